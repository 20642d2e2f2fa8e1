//! Compose sizes: docker/go-units `RAMInBytes` as Compose v2 reads a byte value, and the
//! spellings the fixes write back.

use super::float::{hex_float, parse_exponent};
use super::{GIB, KIB, MIB, PIB, SizeError, TIB};

/// A Compose byte value given as a YAML string, read as Compose v2 does (docker/go-units v0.5.0
/// `RAMInBytes`, called by compose-go for every string byte value):
///
/// - the text is split after its last ASCII digit, dot or space; a space there is dropped, so
///   `"1 g"` and `"1 "` are fine but `"1  g"`, `" 1g"` and `"1g "` are not;
/// - the number is read by Go's `strconv.ParseFloat`: sign, fraction, exponent (`"1e3"`, `".5g"`,
///   `"5."`, `"+5m"`), `_` between digits (`"1_000"`) and hexadecimal floats with a `p` exponent
///   (`"0x1p4"`) are all accepted, and leading zeros are decimal (`"0777"` is 777);
/// - the optional suffix is `b`, or `k`/`m`/`g`/`t`/`p` optionally followed by `b` or `ib`, in any
///   case (Go lower-cases it, which also turns the Kelvin sign `K` into `k`). Multipliers are
///   powers of 1024;
/// - the product is truncated towards zero, so `"0.5"` is 0 bytes, i.e. *no limit*.
///
/// Negative numbers are refused. A result of 2^63 bytes or more (also `"inf "`, `"nan "`) is an
/// error here: Compose accepts it but turns it into -9223372036854775808, which Docker refuses.
///
/// YAML-typed values (an unquoted `mem_limit: 1073741824` or `1.5`) do not go through this
/// grammar; see `tests/units_oracle.rs` for what Compose does with them.
pub fn compose_bytes(text: &str) -> Result<u64, SizeError> {
    let invalid = || {
        SizeError::new(format!(
            "`{text}` is not a Compose byte value: use an integer or decimal followed by b, k, m, g, t or p (1024-based), e.g. `512m` or `1g`"
        ))
    };
    let (number, suffix) = split_compose_unit(text).ok_or_else(invalid)?;
    let size = go_parse_float(number).ok_or_else(invalid)?;
    if size < 0.0 {
        return Err(SizeError::new(format!(
            "`{text}` is negative: a memory size must be zero or more"
        )));
    }
    let multiplier = compose_multiplier(suffix).ok_or_else(|| {
        SizeError::new(format!(
            "`{text}` has the unknown unit `{suffix}`: Compose accepts b, k, m, g, t and p, optionally followed by `b` or `ib`"
        ))
    })?;
    let bytes = size * multiplier as f64;
    // Go's `int64(bytes)`: on amd64 anything from 2^63 up, and NaN, becomes the smallest int64.
    if bytes.is_nan() || bytes >= TWO_POW_63 {
        return Err(SizeError::new(format!(
            "`{text}` is out of range: Compose turns it into -9223372036854775808 bytes, which Docker refuses"
        )));
    }
    Ok(bytes as u64)
}

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// A Compose size split as go-units splits it: the suffix is what follows the last ASCII digit,
/// dot or space, and a space there belongs to neither. `None` without any of them.
fn split_compose_unit(text: &str) -> Option<(&str, &str)> {
    let sep = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    Some(if text.as_bytes()[sep] == b' ' {
        (&text[..sep], &text[sep + 1..])
    } else {
        (&text[..=sep], &text[sep + 1..])
    })
}

/// The multiplier of a go-units suffix (already split from the number), or `None` if go-units
/// refuses it.
fn compose_multiplier(suffix: &str) -> Option<u64> {
    if suffix.is_empty() {
        return Some(1);
    }
    // go-units measures the suffix in bytes before lower-casing it with Unicode rules; the only
    // non-ASCII spelling that survives is a lone Kelvin sign, which lower-cases to `k`.
    if suffix.len() > 3 {
        return None;
    }
    if suffix == "\u{212A}" {
        return Some(KIB);
    }
    let suffix = suffix.to_ascii_lowercase();
    let (unit, rest) = suffix.as_bytes().split_first()?;
    if *unit == b'b' {
        return rest.is_empty().then_some(1);
    }
    let multiplier = match unit {
        b'k' => KIB,
        b'm' => MIB,
        b'g' => GIB,
        b't' => TIB,
        b'p' => PIB,
        _ => return None,
    };
    matches!(rest, b"" | b"b" | b"ib").then_some(multiplier)
}

/// Go's `strconv.ParseFloat(s, 64)`: `None` where Go reports a syntax error or an overflow
/// (`"1e400"`). Accepts `inf`, `infinity` and `nan` (any case; a sign only before `inf`),
/// decimal numbers with optional sign, fraction and exponent, hexadecimal floats, which need a
/// `p` exponent (`0x1.8p1`), and `_` between digits (or after a `0x` prefix).
fn go_parse_float(s: &str) -> Option<f64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if s.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    let b = body.as_bytes();
    let hex = b.len() > 2 && b[0] == b'0' && (b[1] | 0x20) == b'x';
    let mut i = if hex { 2 } else { 0 };
    let mut saw_dot = false;
    let mut saw_digits = false;
    while i < b.len() {
        match b[i] {
            b'_' => {}
            b'.' if !saw_dot => saw_dot = true,
            c if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mantissa = &body[usize::from(hex) * 2..i];
    let mut exponent = "";
    if i < b.len() && (b[i] | 0x20) == if hex { b'p' } else { b'e' } {
        let start = i + 1;
        i = start;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        exponent = &body[start..i];
    } else if hex {
        return None; // a hexadecimal float needs its `p` exponent
    }
    if i != b.len() || (s.contains('_') && !go_underscores_ok(s)) {
        return None;
    }
    let value = if hex {
        hex_float(mantissa, parse_exponent(exponent))
    } else {
        let digits: String = body.chars().filter(|&c| c != '_').collect();
        digits.parse::<f64>().ok()?
    };
    if value.is_infinite() {
        return None; // Go: "value out of range"
    }
    Some(if negative { -value } else { value })
}

/// Go's `underscoreOK`: every `_` sits between two digits, or between a base prefix and a digit.
fn go_underscores_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let [b'+' | b'-', rest @ ..] = b {
        b = rest;
    }
    // What was seen last: '^' start, '0' a digit or base prefix, '_' an underscore, '!' other.
    let mut saw = b'^';
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        hex = (b[1] | 0x20) == b'x';
        saw = b'0';
        b = &b[2..];
    }
    for &c in b {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// The portable Compose spelling of a byte count: the largest of `g`, `m`, `k` that divides it
/// (`1536m`, `1g`), else bytes. Compose v1 and v2 both read these.
pub fn compose_size(bytes: u64) -> String {
    compose_size_like(bytes, "0m")
}

/// `bytes` as a Compose size written in the style of `original`: the largest unit that divides
/// it exactly, in the same case, with the same `b`/`ib` ending and spacing. `768m` becomes
/// `1536m`, `512M` becomes `1G`, `512MiB` becomes `1GiB`; a plain byte count stays one.
pub fn compose_size_like(bytes: u64, original: &str) -> String {
    let original = original.trim();
    // The unit as Compose reads it: the letters of `1e3k` or `0x1p4` belong to the number.
    let Some((number, unit)) = split_compose_unit(original).filter(|(_, unit)| !unit.is_empty())
    else {
        return bytes.to_string();
    };
    let upper = unit.starts_with(|c: char| c.is_ascii_uppercase());
    let tail = &unit[unit.chars().next().map_or(0, char::len_utf8)..];
    let space = if number.len() + unit.len() < original.len() {
        " "
    } else {
        ""
    };
    for (size, letter) in [(GIB, 'g'), (MIB, 'm'), (KIB, 'k')] {
        if bytes >= size && bytes % size == 0 {
            let letter = if upper {
                letter.to_ascii_uppercase()
            } else {
                letter
            };
            // A bare `b` ending (`512mb`) stays; `ib` (`512MiB`) stays; `B` alone is bytes.
            let tail = if unit.eq_ignore_ascii_case("b") {
                ""
            } else {
                tail
            };
            return format!("{}{space}{letter}{tail}", bytes / size);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_bytes_matches_compose_v2() {
        // Each pair was read back from `docker compose config --format json` (v2.40.3, go-units
        // v0.5.0) with the spelling as a quoted `mem_limit`; `tests/units_oracle.rs` re-checks them.
        for (text, bytes) in [
            // domain-facts 1.2
            ("1g", GIB),
            ("1gb", GIB),
            ("1GB", GIB),
            ("1GiB", GIB),
            ("1Gb", GIB),
            ("1gib", GIB),
            ("1073741824", GIB),
            ("1 g", GIB),
            ("1.5g", 1_610_612_736),
            ("1.5gb", 1_610_612_736),
            ("512M", 536_870_912),
            ("1024k", 1_048_576),
            ("1t", 1_099_511_627_776),
            ("100b", 100),
            ("1e3", 1000),
            ("1_000", 1000),
            ("0", 0),
            ("0.5", 0),
            ("1p", PIB),
            // Go's ParseFloat and the truncation after scaling
            ("0.1k", 102),
            (".5g", GIB / 2),
            ("5.", 5),
            ("+5m", 5 * MIB),
            ("1E3k", 1_024_000),
            ("1e-3k", 1),
            ("1.9b", 1),
            ("0777", 777),
            ("00012m", 12 * MIB),
            ("1_0k", 10 * KIB),
            ("1e1_0", 10_000_000_000),
            ("-0", 0),
            ("1e-400", 0),
            ("1 ", 1),
            ("1 b", 1),
            ("1 kb", KIB),
            ("1KIB", KIB),
            ("1\u{212A}", KIB), // Kelvin sign
            // hexadecimal floats need a `p` exponent
            ("0x1p4", 16),
            ("0x1p4k", 16 * KIB),
            ("0X1P-2g", GIB / 4),
            ("0x1.8p1k", 3 * KIB),
            ("0x1p4_0", TIB),
            ("0x1.fffffffffffff7ffffp62", 9_223_372_036_854_774_784),
            ("0x1.000000000000080000000000001p52", 4_503_599_627_370_497),
            // the largest values below 2^63
            ("8191p", 8191 * PIB),
            ("9223372036854775295", 9_223_372_036_854_774_784),
        ] {
            assert_eq!(compose_bytes(text), Ok(bytes), "{text:?}");
        }
    }
    #[test]
    fn compose_bytes_rejects_what_compose_rejects() {
        for text in [
            "1kbb",
            "1g ",
            " 1g",
            "1  g",
            "1\tg",
            "1g\n",
            "-1",
            "-5m",
            "-0x1p4",
            "abc",
            "1m30s",
            "10%",
            "",
            " ",
            ".",
            "g",
            "1x",
            "1ki",
            "1i",
            "1ib",
            "1bb",
            "1e",
            "1e+",
            "1.2.3",
            "1..5",
            "1k b",
            "0x10",
            "0x1",
            "0xp1",
            "0x.p1",
            "0b101",
            "0o17",
            "1__0",
            "1_.5",
            "_1",
            "inf",
            "NaN",
            "1e400",
            "0x1p2000",
            "1\u{212A}B",
            "\u{0661}",
            // Compose accepts these but turns them into -9223372036854775808
            "9223372036854775807",
            "9999999999999999999",
            "8192p",
            "1e19",
            "0x1p63",
            "inf ",
            "nan ",
            "+Infinity b",
        ] {
            assert!(
                compose_bytes(text).is_err(),
                "{text:?} should be rejected, got {:?}",
                compose_bytes(text)
            );
        }
    }
    #[test]
    fn compose_sizes_keep_the_original_style() {
        assert_eq!(compose_size_like(1536 * MIB, "768m"), "1536m");
        assert_eq!(compose_size_like(GIB, "512M"), "1G");
        assert_eq!(compose_size_like(GIB, "512MiB"), "1GiB");
        assert_eq!(compose_size_like(2 * GIB, "1gb"), "2gb");
        assert_eq!(compose_size_like(640 * MIB, "1 g"), "640 m");
        assert_eq!(compose_size_like(GIB, "536870912"), "1073741824");
        assert_eq!(compose_size(96 * MIB), "96m");
        assert_eq!(compose_size(100), "100");
        for (bytes, original) in [
            (1536 * MIB, "768m"),
            (GIB, "512M"),
            (GIB, "512MiB"),
            (2 * GIB, "1gb"),
        ] {
            assert_eq!(
                compose_bytes(&compose_size_like(bytes, original)),
                Ok(bytes)
            );
        }
    }
    #[test]
    fn compose_sizes_like_a_number_with_letters_read_back() {
        // Found by fuzzing: the letters of `1e3k` and `0x1p14` are part of the number.
        assert_eq!(compose_size_like(1000 * KIB, "1e3k"), "1000k");
        assert_eq!(compose_size_like(16 * KIB, "0x1p14"), "16384");
        assert_eq!(compose_size_like(2 * GIB, "0x1p0G"), "2G");
        assert_eq!(compose_size_like(GIB, "inf "), "1073741824");
    }
}
