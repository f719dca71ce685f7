//! The guide: how regionfence decides, what a policy says, what it proves, and how each
//! tool and the gateway are used. Each chapter is a module of documentation only (the same
//! text as `docs/guide/*.md` in the repository), and its Rust examples run as doctests.
//!
//! | chapter | what it holds |
//! | --- | --- |
//! | [`rules`] | the questions and the rules that answer them: the specification the engine, the reference model and the proofs are written from; the default policy |
//! | [`policy_format`] | the policy document, field by field |
//! | [`command_line`] | every command of `regionfence`, with examples |
//! | [`proofs`] | the invariants the audit proves, the flow picture, the tests and coverage |
//! | [`workspace`] | checking a workspace configuration, its fixes, and importing one from Segment |
//! | [`diff_and_records`] | policy diff, the digest, decision records and replay |
//! | [`gateway`] | the HTTP gateway: tracking API, browsers, `/v1/decide`, `/v1/authz`, reloads, TLS |
//! | [`python`] | the Python package and Spark |
//! | [`limits`] | every bound on input and work, with the measured figures |

macro_rules! chapter {
    ($name:ident, $file:literal) => {
        pub mod $name {
            #![doc = include_str!(concat!("../docs/guide/", $file))]
            // The chapter's links name items as the crate root sees them.
            #[allow(unused_imports)]
            use crate::*;
        }
    };
}

chapter!(rules, "rules.md");
chapter!(policy_format, "policy_format.md");
chapter!(command_line, "command_line.md");
chapter!(proofs, "proofs.md");
chapter!(workspace, "workspace.md");
chapter!(diff_and_records, "diff_and_records.md");
chapter!(gateway, "gateway.md");
chapter!(python, "python.md");
chapter!(limits, "limits.md");
