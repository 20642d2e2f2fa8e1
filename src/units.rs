//! Memory sizes, each parsed by the grammar of the program that reads it.
//!
//! The same spelling means different things to different programs: Compose reads `100m` as 100 MiB,
//! Redis reads it as 10^8 bytes and PostgreSQL refuses it. Values are therefore always converted to
//! bytes with the reader's own grammar before they are compared, never compared as text.
//! The tables in the tests below come from running the real programs (see `tests/units_oracle.rs`).

use std::fmt;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;
const TIB: u64 = 1024 * GIB;
const PIB: u64 = 1024 * TIB;

/// Docker refuses to start a container with a memory limit below this (moby `linuxMinMemory`).
pub const DOCKER_MIN_MEMORY: u64 = 6 * MIB;

/// Why a size could not be read; the message says what the reader accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeError {
    pub message: String,
}

impl SizeError {
    fn new(message: impl Into<String>) -> Self {
        SizeError {
            message: message.into(),
        }
    }
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SizeError {}

/// A Compose byte value given as a YAML string, read as Compose v2 does (docker/go-units
/// `RAMInBytes`): a decimal number, an optional single space, then an optional case-insensitive
/// suffix `b`, or `k`/`m`/`g`/`t`/`p` optionally followed by `b` or `ib`. Multipliers are powers
/// of 1024. Fractions are allowed and truncated towards zero after scaling, so `"0.5"` is 0 bytes.
pub fn compose_bytes(text: &str) -> Result<u64, SizeError> {
    let invalid = || {
        SizeError::new(format!(
            "`{text}` is not a Compose byte value: use an integer or decimal followed by b, k, m, g, t or p (1024-based), e.g. `512m` or `1g`"
        ))
    };
    // go-units splits at the last digit, dot or space: what follows is the suffix.
    let sep = text
        .rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .ok_or_else(invalid)?;
    let (number, suffix) = if text.as_bytes()[sep] == b' ' {
        (&text[..sep], &text[sep + 1..])
    } else {
        (&text[..=sep], &text[sep + 1..])
    };
    let size = go_parse_float(number).ok_or_else(invalid)?;
    if size < 0.0 {
        return Err(SizeError::new(format!(
            "`{text}` is negative: a memory size must be zero or more"
        )));
    }
    let suffix = suffix.to_ascii_lowercase();
    let multiplier = match suffix.as_bytes() {
        [] | [b'b'] => 1,
        [unit, rest @ ..] => {
            let multiplier = match unit {
                b'k' => KIB,
                b'm' => MIB,
                b'g' => GIB,
                b't' => TIB,
                b'p' => PIB,
                _ => 0,
            };
            if multiplier == 0 || !(rest.is_empty() || rest == b"b" || rest == b"ib") {
                return Err(SizeError::new(format!(
                    "`{text}` has the unknown unit `{suffix}`: Compose accepts b, k, m, g, t and p, optionally followed by `b` or `ib`"
                )));
            }
            multiplier
        }
    };
    Ok(saturating_f64_to_u64(size * multiplier as f64))
}

/// Go's `strconv.ParseFloat(s, 64)` for the inputs go-units can hand it: decimal numbers with an
/// optional sign, fraction and exponent. Hexadecimal floats, `inf` and `nan` cannot reach it because
/// the number always ends in a digit or a dot.
fn go_parse_float(number: &str) -> Option<f64> {
    let digits = number.strip_prefix(['+', '-']).unwrap_or(number);
    let is_decimal = !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
        && digits.chars().any(|c| c.is_ascii_digit());
    if !is_decimal || digits.contains('_') {
        return None;
    }
    number.parse::<f64>().ok()
}

fn saturating_f64_to_u64(value: f64) -> u64 {
    if value >= u64::MAX as f64 {
        u64::MAX
    } else {
        value as u64
    }
}

/// A Redis memory value (`maxmemory 100mb`), read as Redis's `memtoull` does: an unsigned integer,
/// then an optional case-insensitive unit. `k`/`m`/`g` are powers of 1000, `kb`/`mb`/`gb` powers
/// of 1024, `b` is bytes. No fractions, no spaces, no `t`.
pub fn redis_bytes(text: &str) -> Result<u64, SizeError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let invalid = || {
        SizeError::new(format!(
            "`{text}` is not a Redis memory value: use an integer followed by b, k, kb, m, mb, g or gb (k/m/g are 1000-based, kb/mb/gb are 1024-based), e.g. `100mb`"
        ))
    };
    if number.is_empty() {
        return Err(invalid());
    }
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
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(invalid)
}

/// The unit a PostgreSQL memory setting is counted in when written without a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgBaseUnit {
    /// 8 kB pages (`shared_buffers`, `effective_cache_size`, `wal_buffers`, `temp_buffers`).
    Blocks8k,
    /// kilobytes (`work_mem`, `maintenance_work_mem`, ...).
    Kilobytes,
    /// megabytes (`max_wal_size`, `min_wal_size`).
    Megabytes,
}

impl PgBaseUnit {
    fn bytes(self) -> u64 {
        match self {
            PgBaseUnit::Blocks8k => 8 * KIB,
            PgBaseUnit::Kilobytes => KIB,
            PgBaseUnit::Megabytes => MIB,
        }
    }
}

/// The PostgreSQL settings measured in memory units, with their base unit (PostgreSQL 15
/// `postgres --describe-config`).
pub fn postgres_memory_setting(name: &str) -> Option<PgBaseUnit> {
    use PgBaseUnit::*;
    Some(match name {
        "shared_buffers" | "effective_cache_size" | "wal_buffers" | "temp_buffers" => Blocks8k,
        "work_mem" | "maintenance_work_mem" | "autovacuum_work_mem" | "logical_decoding_work_mem" => {
            Kilobytes
        }
        "max_wal_size" | "min_wal_size" | "wal_keep_size" | "max_slot_wal_keep_size" => Megabytes,
        _ => return None,
    })
}

/// A PostgreSQL memory setting value: a number (fractions allowed with a unit) followed by an
/// optional case-sensitive unit `B`, `kB`, `MB`, `GB` or `TB` (1024-based). A bare number counts
/// in the setting's base unit, so `shared_buffers=256` is 256 pages of 8 kB, i.e. 2 MB.
/// PostgreSQL rounds a value with a unit to the nearest multiple of the base unit.
pub fn postgres_bytes(text: &str, base: PgBaseUnit) -> Result<u64, SizeError> {
    let unit_start = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(unit_start);
    let unit = unit.trim_start_matches(' ');
    let multiplier = match unit {
        "" => base.bytes(),
        "B" => 1,
        "kB" => KIB,
        "MB" => MIB,
        "GB" => GIB,
        "TB" => TIB,
        _ => {
            return Err(SizeError::new(format!(
                "`{text}` has the unit `{unit}`, which PostgreSQL refuses (units are case-sensitive): valid units are B, kB, MB, GB and TB, e.g. `256MB`"
            )));
        }
    };
    let value: f64 = number
        .parse()
        .ok()
        .filter(|_| !number.is_empty())
        .ok_or_else(|| {
            SizeError::new(format!(
                "`{text}` is not a PostgreSQL memory value: write a number followed by B, kB, MB, GB or TB, e.g. `256MB`"
            ))
        })?;
    if unit.is_empty() && number.contains('.') {
        return Err(SizeError::new(format!(
            "`{text}` is a fraction without a unit, which PostgreSQL refuses: add a unit, e.g. `256MB`"
        )));
    }
    let in_base_units = (value * multiplier as f64 / base.bytes() as f64).round();
    Ok(saturating_f64_to_u64(in_base_units) * base.bytes())
}

/// A size for people: a power-of-1024 unit with at most one decimal, e.g. `768 MiB`, `1.5 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (PIB, "PiB"),
        (TIB, "TiB"),
        (GIB, "GiB"),
        (MIB, "MiB"),
        (KIB, "KiB"),
    ];
    for (size, unit) in UNITS {
        if bytes >= size {
            let tenths = (bytes as u128 * 10 + size as u128 / 2) / size as u128;
            return if tenths % 10 == 0 {
                format!("{} {unit}", tenths / 10)
            } else {
                format!("{}.{} {unit}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{bytes} B")
}

/// Bytes with thousands separators, e.g. `104,857,600 B`: exact, for messages that compare values
/// written in different units.
pub fn exact_bytes(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(" B");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_bytes_matches_compose_v2() {
        // domain-facts 1.2, verified with `docker compose config` v2.40.3.
        for (text, bytes) in [
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
            ("0", 0),
            ("0.5", 0),
            ("1p", PIB),
        ] {
            assert_eq!(compose_bytes(text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn compose_bytes_rejects_what_compose_rejects() {
        for text in [
            "1kbb", "1g ", " 1g", "-1", "abc", "1m30s", "10%", "", "g", "1x",
        ] {
            assert!(compose_bytes(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn redis_bytes_matches_redis() {
        // domain-facts 2.1, verified with redis-server 7.0.15.
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
            ("100mb", 104_857_600),
            ("100m", 100_000_000),
            ("2gb", 2_147_483_648),
            ("0", 0),
        ] {
            assert_eq!(redis_bytes(text), Ok(bytes), "{text}");
        }
        for text in ["1.5gb", "1kib", "1t", "1tb", "-1", "100 mb", "", "mb"] {
            assert!(redis_bytes(text).is_err(), "{text} should be rejected");
        }
    }

    #[test]
    fn postgres_bytes_matches_postgres() {
        // domain-facts 3.1, verified with postgres 15.18 (`-C shared_buffers` prints 8 kB pages).
        let pages = |n: u64| n * 8 * KIB;
        for (text, bytes) in [
            ("256MB", pages(32768)),
            ("1GB", pages(131_072)),
            ("128kB", pages(16)),
            ("1TB", pages(134_217_728)),
            ("32768", pages(32768)),
            ("1.5GB", pages(196_608)),
            ("0.25GB", pages(32768)),
            ("268435456B", pages(32768)),
            ("256", pages(256)),
        ] {
            assert_eq!(
                postgres_bytes(text, PgBaseUnit::Blocks8k),
                Ok(bytes),
                "{text}"
            );
        }
        assert_eq!(postgres_bytes("4096", PgBaseUnit::Kilobytes), Ok(4 * MIB));
        assert_eq!(postgres_bytes("4MB", PgBaseUnit::Kilobytes), Ok(4 * MIB));
        for text in [
            "256mb", "256Mb", "1gb", "128KB", "128kb", "1G", "256M", "256MiB",
        ] {
            assert!(
                postgres_bytes(text, PgBaseUnit::Blocks8k).is_err(),
                "{text} should be rejected"
            );
        }
    }

    #[test]
    fn human_and_exact_formatting() {
        assert_eq!(human_bytes(768 * MIB), "768 MiB");
        assert_eq!(human_bytes(1536 * MIB), "1.5 GiB");
        assert_eq!(human_bytes(100_000_000), "95.4 MiB");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(exact_bytes(104_857_600), "104,857,600 B");
        assert_eq!(exact_bytes(100), "100 B");
    }
}
