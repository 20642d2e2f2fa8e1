//! The hover on a memory value: its bytes, its share of the plan and the service's budget line,
//! all from the budget report (nothing is read from the text here).

use lsp_types::Position;

use super::convert::Encoding;
use crate::budget::MemoryValue;
use crate::engine::BudgetReport;
use crate::units::{exact_bytes, human_bytes};

/// The markdown for the memory value at `position` of the file at `path` (in the text the
/// budget was loaded from), if one is there.
pub(crate) fn memory_value(
    report: &BudgetReport,
    path: &std::path::Path,
    position: Position,
    encoding: Encoding,
) -> Option<String> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let file = report
        .sources
        .ids()
        .find(|&id| report.sources.get(id).canonical_path() == canonical)?;
    let offset = super::convert::offset(&report.sources.get(file).text, position, encoding);
    report.budgets().iter().find_map(|entry| {
        let value = entry.budget.memory_at(file, offset)?;
        Some(markdown(&value, &entry.budget))
    })
}

fn markdown(value: &MemoryValue, budget: &crate::budget::Budget) -> String {
    let mut text = format!(
        "**`{}`** of `{}`: `{}` = {} ({})",
        value.field,
        value.row.service.service.name,
        value.written,
        exact_bytes(value.bytes),
        human_bytes(value.bytes)
    );
    if let Some(plan) = budget.plan {
        text.push_str(&format!(
            "\n\n{:.1} % of {}'s {}",
            value.bytes as f64 * 100.0 / plan.ram_bytes().max(1) as f64,
            plan.name,
            human_bytes(plan.ram_bytes())
        ));
    }
    text.push_str(&format!(
        "\n\nBudget (limit × replicas = subtotal):\n\n```text\n{}```",
        crate::render::budget_row_text(budget, value.row)
    ));
    text
}
