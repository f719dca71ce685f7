//! Checking a whole workspace configuration: the document, the check built from the
//! engine's questions, the smallest fix for every violation, edits that keep every other
//! byte of the text, and the check of a change.

mod change;
mod check;
mod diff;
mod document;
mod edit;
mod exemption;
mod firewall;
mod fix;
mod pointer;
mod report;

pub use change::{check_change, ChangeReport};
pub use diff::unified_diff;
pub use document::{
    parse_spanned, DestinationEntry, FailoverEntry, ParsedWorkspace, SourceEntry, StoreEntry, TextSpan,
    WarehouseEntry, Workspace, WorkspaceError, WorkspaceErrorKind, UNKNOWN,
};
pub use edit::{apply_to_text, EditError};
pub use fix::{fix_all, fix_parsed_text, fix_text, FixOutcome, TextFixOutcome};
pub use pointer::{apply, apply_to_value, PatchError, PatchOp, Pointer, Segment};
pub use report::{Fix, Violation, ViolationCode, WorkspaceReport};
