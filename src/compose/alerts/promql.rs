//! The thresholds of one PromQL expression: each comparison of a vector selector with a constant
//! (`redis_memory_used_bytes > 300 * 1024 * 1024`), read with the `promql-parser` crate, with where
//! each number of the constant is written in the expression.

use lrpar::{Lexeme, Lexer};
use promql_parser::label::MatchOp;
use promql_parser::parser::token::{T_GTE, T_GTR, T_LSS, T_LTE, T_MUL, T_NUMBER};
use promql_parser::parser::{self, Expr};

/// Expressions longer than this are not read: real alerts are a few hundred bytes.
const MAX_EXPR_LEN: usize = 64 * 1024;
/// Nor those with more nested brackets than this.
const MAX_NESTING: usize = 64;

/// The deepest nesting of brackets in an expression (counting those inside strings too, which
/// only makes it stricter).
fn nesting(expr: &str) -> usize {
    let mut depth: usize = 0;
    let mut deepest = 0;
    for byte in expr.bytes() {
        match byte {
            b'(' | b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A comparison `selector > constant` (or `constant < selector`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Comparison {
    pub metric: String,
    /// The selector's `label="value"` matchers (other match operators say nothing exact).
    pub labels: Vec<(String, String)>,
    /// The constant's value.
    pub value: f64,
    /// The byte ranges in the expression of the constant's numbers, in order; `None` when they
    /// cannot be located exactly.
    pub numbers: Option<Vec<std::ops::Range<usize>>>,
    /// The constant is a product of numbers (`300 * 1024 * 1024`), not one number.
    pub product: bool,
}

/// The comparisons of `expr` with a constant; none when it is not valid PromQL (Prometheus
/// checks its own rules).
pub(crate) fn comparisons(expr: &str) -> Vec<Comparison> {
    // The parser and its tree recurse: an expression nested deeper than any real alert is
    // not read, rather than overflowing the stack.
    if expr.len() > MAX_EXPR_LEN || nesting(expr) > MAX_NESTING {
        return Vec::new();
    }
    let Ok(ast) = parser::parse(expr) else {
        return Vec::new();
    };
    let mut literals = Vec::new();
    collect_literals(&ast, &mut literals);
    let lexemes = number_lexemes(expr);
    // The AST keeps no positions: its numbers are matched with the lexer's, in order, and
    // located only when both agree number for number.
    let positions = lexemes.as_ref().filter(|lexemes| {
        lexemes.len() == literals.len()
            && lexemes
                .iter()
                .zip(&literals)
                .all(|((_, v), l)| *v == *l || *v == -*l)
    });
    let mut found = Vec::new();
    let mut index = 0;
    walk(&ast, &mut index, &mut |comparison_at, expr| {
        found.push((comparison_at, expr))
    });
    found
        .into_iter()
        .filter_map(|(first_literal, comparison)| {
            let (selector, constant, count, product) = comparison;
            let numbers = positions.map(|lexemes| {
                lexemes[first_literal..first_literal + count]
                    .iter()
                    .map(|(range, _)| range.clone())
                    .collect()
            });
            Some(Comparison {
                metric: selector.name.clone()?,
                labels: selector
                    .matchers
                    .matchers
                    .iter()
                    .filter(|m| m.op == MatchOp::Equal)
                    .map(|m| (m.name.clone(), m.value.clone()))
                    .collect(),
                value: constant,
                numbers,
                product,
            })
        })
        .collect()
}

/// A comparison found in the tree: the selector, the constant's value, how many numbers it is
/// written with and whether it is a product.
type Found<'a> = (&'a parser::VectorSelector, f64, usize, bool);

/// Visit the tree in the order of the text, counting number literals, and report each
/// comparison of a selector with a constant with the index of the constant's first literal.
fn walk<'a>(expr: &'a Expr, index: &mut usize, report: &mut dyn FnMut(usize, Found<'a>)) {
    match expr {
        Expr::Binary(binary) => {
            let op = binary.op.id();
            let start = *index;
            if [T_GTR, T_GTE].contains(&op) {
                if let (Some(selector), Some((value, count, product))) =
                    (selector(&binary.lhs), constant(&binary.rhs))
                {
                    report(
                        start + literal_count(&binary.lhs),
                        (selector, value, count, product),
                    );
                }
            } else if [T_LSS, T_LTE].contains(&op) {
                if let (Some((value, count, product)), Some(selector)) =
                    (constant(&binary.lhs), selector(&binary.rhs))
                {
                    report(start, (selector, value, count, product));
                }
            }
            walk(&binary.lhs, index, report);
            walk(&binary.rhs, index, report);
        }
        Expr::NumberLiteral(_) => *index += 1,
        Expr::Paren(paren) => walk(&paren.expr, index, report),
        Expr::Unary(unary) => walk(&unary.expr, index, report),
        Expr::Aggregate(aggregate) => {
            if let Some(param) = &aggregate.param {
                walk(param, index, report);
            }
            walk(&aggregate.expr, index, report);
        }
        Expr::Call(call) => call.args.args.iter().for_each(|a| walk(a, index, report)),
        Expr::Subquery(subquery) => walk(&subquery.expr, index, report),
        _ => {}
    }
}

fn literal_count(expr: &Expr) -> usize {
    let mut literals = Vec::new();
    collect_literals(expr, &mut literals);
    literals.len()
}

/// The number literals of a tree in the order of the text.
fn collect_literals(expr: &Expr, out: &mut Vec<f64>) {
    match expr {
        Expr::NumberLiteral(n) => out.push(n.val),
        Expr::Binary(b) => {
            collect_literals(&b.lhs, out);
            collect_literals(&b.rhs, out);
        }
        Expr::Paren(p) => collect_literals(&p.expr, out),
        Expr::Unary(u) => collect_literals(&u.expr, out),
        Expr::Aggregate(a) => {
            if let Some(param) = &a.param {
                collect_literals(param, out);
            }
            collect_literals(&a.expr, out);
        }
        Expr::Call(c) => c.args.args.iter().for_each(|a| collect_literals(a, out)),
        Expr::Subquery(s) => collect_literals(&s.expr, out),
        _ => {}
    }
}

/// A plain vector selector, possibly in parentheses.
fn selector(expr: &Expr) -> Option<&parser::VectorSelector> {
    match expr {
        Expr::VectorSelector(selector) => Some(selector),
        Expr::Paren(paren) => selector(&paren.expr),
        _ => None,
    }
}

/// A constant: one number or a product of numbers, possibly in parentheses; its value, how many
/// numbers it is written with, and whether it is a product.
fn constant(expr: &Expr) -> Option<(f64, usize, bool)> {
    match expr {
        Expr::NumberLiteral(n) => Some((n.val, 1, false)),
        Expr::Paren(paren) => constant(&paren.expr),
        Expr::Binary(binary) if binary.op.id() == T_MUL => {
            let (a, m, _) = constant(&binary.lhs)?;
            let (b, n, _) = constant(&binary.rhs)?;
            Some((a * b, m + n, true))
        }
        _ => None,
    }
}

/// The number tokens of the expression with their values, from the crate's own lexer.
fn number_lexemes(expr: &str) -> Option<Vec<(std::ops::Range<usize>, f64)>> {
    let lexer = parser::lexer(expr).ok()?;
    lexer
        .iter()
        .filter_map(Result::ok)
        .filter(|lexeme| lexeme.tok_id() == T_NUMBER)
        .map(|lexeme| {
            let range = lexeme.span().start()..lexeme.span().end();
            let value = number_value(expr.get(range.clone())?)?;
            Some((range, value))
        })
        .collect()
}

/// A PromQL number as written: decimal, exponent or hexadecimal.
pub(crate) fn number_value(text: &str) -> Option<f64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok().map(|v| v as f64),
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'e>(expr: &'e str, c: &Comparison) -> Vec<&'e str> {
        c.numbers
            .iter()
            .flatten()
            .map(|r| &expr[r.clone()])
            .collect()
    }

    #[test]
    fn a_product_is_one_constant_with_each_factor_located() {
        let expr = "redis_memory_used_bytes > 300 * 1024 * 1024";
        let [c] = comparisons(expr).try_into().unwrap();
        assert_eq!(c.metric, "redis_memory_used_bytes");
        assert_eq!(c.value, 300.0 * 1024.0 * 1024.0);
        assert!(c.product);
        assert_eq!(at(expr, &c), ["300", "1024", "1024"]);
    }

    #[test]
    fn matchers_exponents_and_reversed_comparisons() {
        let expr =
            r#"topk(3, x) > 2 or 4e8 <= container_memory_rss{name="orion-api-1",job=~"a.*"}"#;
        let [c] = comparisons(expr).try_into().unwrap();
        assert_eq!(c.metric, "container_memory_rss");
        assert_eq!(c.labels, [("name".to_string(), "orion-api-1".to_string())]);
        assert_eq!(c.value, 4e8);
        assert_eq!(at(expr, &c), ["4e8"]);
    }

    #[test]
    fn ratios_and_invalid_expressions_give_no_comparison() {
        assert!(comparisons("x / y > 0.8").is_empty());
        assert!(comparisons("rate(x[5m]) > 1e9 *").is_empty());
    }

    #[test]
    fn numbers_the_lexer_and_the_tree_disagree_on_are_not_located() {
        let [c] = comparisons("x @ 100 > 2").try_into().unwrap();
        assert_eq!(c.numbers, None);
    }
}
