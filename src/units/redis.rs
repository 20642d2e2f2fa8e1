//! Redis sizes: `memtoull` as Redis reads `maxmemory`, and the spelling the fixes write back.

use super::{GIB, KIB, MIB, SizeError};

/// A Redis memory value (`maxmemory 100mb`), read as Redis's `memtoull` does (redis 7.0
/// `src/util.c`; `CONFIG SET`, the command line and redis.conf all use it): ASCII digits, then an
/// optional case-insensitive unit. `k`/`m`/`g` are powers of 1000, `kb`/`mb`/`gb` powers of 1024,
/// `b` is bytes. No fractions, no spaces, no sign, no `t`, no `kib`.
///
/// Redis's own traps are reproduced, not fixed: an empty number counts as 0, so `""` and `"mb"`
/// mean *no limit*; a number above 2^64-1 saturates; the multiplication wraps around 2^64
/// (`17179869184gb` is 0, i.e. no limit); 128 digits or more are refused.
pub fn redis_bytes(text: &str) -> Result<u64, SizeError> {
    let invalid = || {
        SizeError::new(format!(
            "`{text}` is not a Redis memory value: use an integer followed by b, k, kb, m, mb, g or gb (k/m/g are 1000-based, kb/mb/gb are 1024-based), e.g. `100mb`"
        ))
    };
    if text.starts_with('-') {
        return Err(SizeError::new(format!(
            "`{text}` is negative: Redis refuses it (`0` means no limit)"
        )));
    }
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1_000,
        "kb" => KIB,
        "m" => 1_000_000,
        "mb" => MIB,
        "g" => 1_000_000_000,
        "gb" => GIB,
        _ => return Err(invalid()),
    };
    if number.len() >= 128 {
        return Err(invalid());
    }
    // strtoull saturates at 2^64-1, then memtoull multiplies in unsigned (wrapping) arithmetic.
    let value = number.bytes().fold(0u64, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    });
    Ok(value.wrapping_mul(multiplier))
}

/// Whether a Redis size uses a 1000-based unit (`k`, `m`, `g`) where Compose's same letter is
/// 1024-based.
pub fn redis_unit_is_decimal(value: &str) -> bool {
    let unit = value
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .to_ascii_lowercase();
    matches!(unit.as_str(), "k" | "m" | "g")
}

/// A Redis memory value in Redis's binary units, rounded down to whole MiB: `96mb`, `1gb`.
/// (`mb`/`gb` are 1024-based in Redis; `m`/`g` would be 1000-based.) Below 1 MiB it is rounded
/// down to whole KiB (`768kb`), and below 1 KiB it is bytes: `0mb` would mean *no limit*.
pub fn redis_size(bytes: u64) -> String {
    let mib = bytes / MIB;
    if mib >= 1024 && mib % 1024 == 0 {
        format!("{}gb", mib / 1024)
    } else if mib > 0 || bytes == 0 {
        format!("{mib}mb")
    } else if bytes >= KIB {
        format!("{}kb", bytes / KIB)
    } else {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_bytes_matches_redis() {
        // redis-server 7.0.15, through CONFIG SET and on the command line.
        for (text, bytes) in [
            ("1", 1),
            ("1b", 1),
            ("1B", 1),
            ("1k", 1000),
            ("1K", 1000),
            ("1kb", 1024),
            ("1KB", 1024),
            ("1kB", 1024),
            ("1m", 1_000_000),
            ("1M", 1_000_000),
            ("1mb", 1_048_576),
            ("1MB", 1_048_576),
            ("1Mb", 1_048_576),
            ("1g", 1_000_000_000),
            ("1G", 1_000_000_000),
            ("1gb", GIB),
            ("1GB", GIB),
            ("1gB", GIB),
            ("100mb", 104_857_600),
            ("100m", 100_000_000),
            ("2gb", 2_147_483_648),
            ("0", 0),
            ("05", 5),
            // no digits at all is 0, i.e. no limit
            ("", 0),
            ("mb", 0),
            // strtoull saturates, the multiplication wraps
            ("18446744073709551615", u64::MAX),
            ("18446744073709551616", u64::MAX),
            ("18446744073709551615k", 18_446_744_073_709_550_616),
            ("17179869184gb", 0),
        ] {
            assert_eq!(redis_bytes(text), Ok(bytes), "{text:?}");
        }
        let many_digits = "1".repeat(128);
        for text in [
            "1.5gb",
            "1kib",
            "1t",
            "1tb",
            "-1",
            "100 mb",
            " 1",
            "1 ",
            "+5",
            "0x10",
            "1e3",
            "1_000",
            "1bb",
            "1kbb",
            &many_digits,
        ] {
            assert!(redis_bytes(text).is_err(), "{text:?} should be rejected");
        }
        assert_eq!(redis_bytes(&many_digits[1..]), Ok(u64::MAX));
    }
    #[test]
    fn redis_decimal_units() {
        assert!(redis_unit_is_decimal("256m"));
        assert!(redis_unit_is_decimal("1G"));
        assert!(!redis_unit_is_decimal("256mb"));
        assert!(!redis_unit_is_decimal("100"));
    }
    #[test]
    fn redis_sizes_below_one_mib_are_not_zero() {
        // `0mb` means no limit: a suggestion must never turn a small limit into none.
        assert_eq!(redis_size(768 * KIB), "768kb");
        assert_eq!(redis_size(768), "768");
        assert_eq!(redis_size(96 * MIB + 5), "96mb");
        assert_eq!(redis_bytes(&redis_size(1536 * KIB)), Ok(MIB));
    }
}
