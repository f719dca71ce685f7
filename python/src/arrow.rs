//! The Arrow batch API: question columns in, the same rows with `decision` and `reason` out,
//! through the Arrow C data interface (`arrow-pyarrow`), deciding on borrowed `&str`s with
//! the GIL released.

use crate::errors::{self, Kind};
use crate::policy::Shared;
use crate::question::{self, FIELDS};
use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use arrow_schema::{DataType, Field as ArrowField, Schema};
use pyo3::prelude::*;
use regionfence::limits::MAX_QUESTION_BYTES;
use regionfence::{Decision, Field, Policy};
use std::sync::Arc;

/// The reason written for a row that is not a question (not an engine reason code: the row
/// never reached the engine).
pub(crate) const INVALID_QUESTION: &str = "invalid-question";

/// The columns added.
const DECISION: &str = "decision";
const REASON: &str = "reason";

/// A question column, read whatever its string layout.
#[derive(Default)]
enum Column<'a> {
    /// Not in the batch, or all null.
    #[default]
    Absent,
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Column<'a> {
    fn of(batch: &'a RecordBatch, name: &str) -> Result<Column<'a>, String> {
        let Some(array) = batch.column_by_name(name) else {
            return Ok(Column::Absent);
        };
        match array.data_type() {
            DataType::Null => Ok(Column::Absent),
            DataType::Utf8 => Ok(array.as_string_opt::<i32>().map_or(Column::Absent, Column::Utf8)),
            DataType::LargeUtf8 => Ok(array.as_string_opt::<i64>().map_or(Column::Absent, Column::Large)),
            DataType::Utf8View => Ok(array.as_string_view_opt().map_or(Column::Absent, Column::View)),
            other => Err(format!(
                "column `{name}` is {other}; question columns are strings"
            )),
        }
    }

    #[inline]
    fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Column::Absent => None,
            Column::Utf8(a) => (!a.is_null(row)).then(|| a.value(row)),
            Column::Large(a) => (!a.is_null(row)).then(|| a.value(row)),
            Column::View(a) => (!a.is_null(row)).then(|| a.value(row)),
        }
    }
}

/// The question columns of one batch.
struct Columns<'a> {
    ask: Column<'a>,
    fields: [Column<'a>; 12],
}

impl<'a> Columns<'a> {
    fn of(batch: &'a RecordBatch) -> Result<Columns<'a>, String> {
        let mut fields: [Column<'a>; 12] = Default::default();
        for (slot, field) in fields.iter_mut().zip(FIELDS) {
            *slot = Column::of(batch, field.as_str())?;
        }
        Ok(Columns {
            ask: Column::of(batch, "ask")?,
            fields,
        })
    }

    #[inline]
    fn field(&self, field: Field, row: usize) -> Option<&'a str> {
        FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|i| self.fields.get(i))
            .and_then(|c| c.get(row))
    }
}

/// Decides one row, as `regionfence eval` decides the same question's JSON line; `None` for a
/// row that is not a question.
#[inline]
fn decide_row(policy: &Policy, cols: &Columns<'_>, row: usize) -> Option<Decision> {
    let kind = question::kind(cols.ask.get(row)?)?;
    let mut bytes = 0usize;
    for (column, field) in cols.fields.iter().zip(FIELDS) {
        if let Some(value) = column.get(row) {
            if !kind.has(field) {
                return None;
            }
            bytes += value.len();
        }
    }
    if bytes > MAX_QUESTION_BYTES {
        return None;
    }
    let f = |field| cols.field(field, row);
    use question::Tag;
    Some(match kind.tag {
        Tag::Ingest => policy.ingest(f(Field::Workspace)?, f(Field::Source)?, f(Field::Host)?),
        Tag::Resolve => policy.resolve(f(Field::Workspace)?, f(Field::Source)?, f(Field::Ingestion)),
        Tag::Deliver => policy.deliver(f(Field::Workspace)?, f(Field::Destination)?, f(Field::Endpoint)),
        Tag::Store => policy.store(f(Field::Workspace)?, f(Field::Store)?, f(Field::CloudRegion)?),
        Tag::Connect => policy.connect(f(Field::Workspace)?, f(Field::Warehouse)?, f(Field::Ip)?),
        Tag::Allowlist => policy.allowlist(f(Field::Workspace)?, f(Field::Warehouse)?),
        Tag::Failover => policy.failover(f(Field::From)?, f(Field::To)?),
        Tag::RegionChange => policy.region_change(f(Field::Workspace)?, f(Field::To)?),
    })
}

/// One batch decided: its columns and `decision`, `reason`.
fn decide_batch(policy: &Policy, batch: &RecordBatch) -> Result<RecordBatch, String> {
    let schema = batch.schema();
    for name in [DECISION, REASON] {
        if schema.column_with_name(name).is_some() {
            return Err(format!("the batch already has a `{name}` column"));
        }
    }
    let cols = Columns::of(batch)?;
    let rows = batch.num_rows();
    let mut decisions = StringBuilder::with_capacity(rows, rows * 5);
    let mut reasons = StringBuilder::with_capacity(rows, rows * 24);
    for row in 0..rows {
        match decide_row(policy, &cols, row) {
            Some(d) => {
                decisions.append_value(if d.is_allowed() { "allow" } else { "deny" });
                // INVARIANT: a decision has at least one reason; "none" is what eval's
                // summary would show otherwise.
                reasons.append_value(d.codes().next().map_or("none", |c| c.as_str()));
            }
            None => {
                decisions.append_value("deny");
                reasons.append_value(INVALID_QUESTION);
            }
        }
    }
    let mut fields: Vec<Arc<ArrowField>> = schema.fields().iter().cloned().collect();
    fields.push(Arc::new(ArrowField::new(DECISION, DataType::Utf8, false)));
    fields.push(Arc::new(ArrowField::new(REASON, DataType::Utf8, false)));
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(Arc::new(decisions.finish()));
    columns.push(Arc::new(reasons.finish()));
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| e.to_string())
}

/// `Policy.decide_arrow`: a `pyarrow.RecordBatch` gives a RecordBatch, anything else Arrow
/// can stream (a `pyarrow.Table`, a reader) gives a Table.
pub(crate) fn decide<'py>(
    py: Python<'py>,
    shared: &Arc<Shared>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let pyarrow = py.import("pyarrow").map_err(|e| {
        errors::raise(
            py,
            Kind::Question,
            "pyarrow-missing",
            format!("decide_arrow needs pyarrow: {e}"),
            None,
        )
    })?;
    let refused = |m: String| errors::raise(py, Kind::Question, "invalid-batch", m, None);
    let policy = &shared.policy;
    if data.is_instance(&pyarrow.getattr("RecordBatch")?)? {
        let batch = RecordBatch::from_pyarrow_bound(data)?;
        let out = py.detach(|| decide_batch(policy, &batch)).map_err(refused)?;
        return out.to_pyarrow(py);
    }
    let table = Table::from_pyarrow_bound(data)?;
    let (batches, schema) = table.into_inner();
    let decided = py.detach(|| {
        batches
            .iter()
            .map(|b| decide_batch(policy, b))
            .collect::<Result<Vec<_>, _>>()
    });
    let decided = decided.map_err(refused)?;
    let schema = match decided.first() {
        Some(b) => b.schema(),
        // An empty table: its schema with the two columns, decided from an empty batch.
        None => decide_batch(policy, &RecordBatch::new_empty(schema))
            .map_err(refused)?
            .schema(),
    };
    let table = Table::try_new(decided, schema).map_err(|e| refused(e.to_string()))?;
    table.into_pyarrow(py)
}
