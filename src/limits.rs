//! Size limits on every input, enforced before parsing so no input can make work unbounded.

/// The largest policy text accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 8 * 1024 * 1024;

/// The most entries any one list of a policy may hold (regions, destinations, hosts of an
/// ingestion region, …).
pub const MAX_ENTRIES: usize = 100_000;

/// The largest question text accepted, in bytes.
pub const MAX_QUESTION_BYTES: usize = 64 * 1024;

/// The longest raw host (with scheme, port and path) looked at, in bytes; longer is malformed.
pub const MAX_HOST_INPUT_BYTES: usize = 2048;

/// The longest host name, in bytes (RFC 1035).
pub const MAX_HOST_NAME_BYTES: usize = 253;

/// The longest raw IP address looked at, in bytes; longer is malformed.
pub const MAX_IP_INPUT_BYTES: usize = 64;

/// The deepest nesting of collections, block (`- `, `key:`) and flow (`[`, `{`) alike, that a
/// YAML or JSON text may have.
pub const MAX_NESTING: usize = 32;

/// The most nodes (scalars, sequences, mappings) one YAML text may hold. An 8 MiB policy
/// written densely holds about two million.
pub const MAX_YAML_NODES: usize = 4_000_000;

/// The most cells the compiled dense tables (regions × cloud regions, groups, kinds,
/// sources and destinations) may take, so a small document cannot compile to a huge value.
pub const MAX_TABLE_CELLS: usize = 16_000_000;

/// The most questions `regionfence audit` decides and checks. The audit computes its
/// question count from the policy's sizes before asking anything, and refuses a policy
/// past this with a message naming the limit.
pub const MAX_AUDIT_QUESTIONS: u64 = 10_000_000;

/// The most decisions `regionfence graph` takes, and the most nodes and edges it draws,
/// each bounded from the policy's sizes before drawing; past either it refuses, naming
/// the limit.
pub const MAX_GRAPH_DECISIONS: u64 = 20_000_000;

/// The most nodes and edges `regionfence graph` draws (see [`MAX_GRAPH_DECISIONS`]).
pub const MAX_GRAPH_ITEMS: u64 = 1_000_000;

/// The most questions `regionfence diff` decides (under both policies): the two question
/// spaces together, computed from the policies' sizes before anything is asked.
pub const MAX_DIFF_QUESTIONS: u64 = 10_000_000;

/// The longest decision record line accepted, in bytes: a question at its own limit and room
/// for the rest of the record.
pub const MAX_RECORD_BYTES: usize = MAX_QUESTION_BYTES + 16 * 1024;

/// The largest file of decision records `regionfence replay` reads, in bytes (checked before
/// it is read).
pub const MAX_RECORDS_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The most lines a file of decision records may hold.
pub const MAX_RECORDS: usize = 1_000_000;
