//! The float pieces Go's `ParseFloat` (Compose) and C's `strtod` (PostgreSQL) share: exponents
//! and correctly rounded hexadecimal floats.

/// A decimal exponent with an optional sign; `_` is skipped and the magnitude is capped (as Go
/// and C do), which is far beyond where every double overflows or underflows.
pub(super) fn parse_exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0i64, |e, d| (e * 10 + i64::from(d - b'0')).min(1_000_000));
    if negative { -magnitude } else { magnitude }
}

/// The value of hexadecimal mantissa digits (with an optional `.`, `_` ignored) times 2^`exp2`,
/// correctly rounded to a double (ties to even), as Go's `ParseFloat` and C's `strtod` do.
pub(super) fn hex_float(mantissa: &str, exp2: i64) -> f64 {
    let mut bits: u64 = 0;
    let mut exp2 = exp2;
    let mut sticky = false;
    let mut after_dot = false;
    for c in mantissa.chars() {
        let digit = match c {
            '.' => {
                after_dot = true;
                continue;
            }
            '_' => continue,
            c => u64::from(c.to_digit(16).unwrap_or(0)),
        };
        if bits >> 60 == 0 {
            bits = bits << 4 | digit;
            if after_dot {
                exp2 -= 4;
            }
        } else {
            // Past 64 significant bits: only whether anything is left matters for rounding.
            sticky |= digit != 0;
            if !after_dot {
                exp2 += 4;
            }
        }
    }
    if bits == 0 {
        return 0.0;
    }
    let shift = bits.leading_zeros();
    let normalized = bits << shift; // top bit set: value = normalized * 2^(exp2 - shift)
    let mut kept = normalized >> 11; // 53 bits
    let rest = normalized & 0x7ff;
    if rest > 0x400 || (rest == 0x400 && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    scale_by_pow2(kept as f64, exp2 - i64::from(shift) + 11)
}

/// `x * 2^e` without overflowing intermediate powers of two (C's `ldexp`).
fn scale_by_pow2(mut x: f64, mut e: i64) -> f64 {
    let pow2 = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    while e > 1000 {
        x *= pow2(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= pow2(-1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * pow2(e)
}
