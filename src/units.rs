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

/// A decimal exponent with an optional sign; `_` is skipped and the magnitude is capped (as Go
/// and C do), which is far beyond where every double overflows or underflows.
fn parse_exponent(text: &str) -> i64 {
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
fn hex_float(mantissa: &str, exp2: i64) -> f64 {
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

/// The unit a PostgreSQL memory setting is counted in when written without a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgBaseUnit {
    /// bytes (`track_activity_query_size`, `wal_decode_buffer_size`, ...).
    Bytes,
    /// 8 kB pages (`shared_buffers`, `effective_cache_size`, `wal_buffers`, `temp_buffers`, ...).
    Blocks8k,
    /// kilobytes (`work_mem`, `maintenance_work_mem`, ...).
    Kilobytes,
    /// megabytes (`max_wal_size`, `min_wal_size`, ...).
    Megabytes,
}

impl PgBaseUnit {
    /// The size of one base unit in bytes.
    pub fn bytes(self) -> u64 {
        match self {
            PgBaseUnit::Bytes => 1,
            PgBaseUnit::Blocks8k => 8 * KIB,
            PgBaseUnit::Kilobytes => KIB,
            PgBaseUnit::Megabytes => MIB,
        }
    }

    /// The unit as PostgreSQL names it (`pg_settings.unit`): `B`, `8kB`, `kB` or `MB`.
    pub fn name(self) -> &'static str {
        match self {
            PgBaseUnit::Bytes => "B",
            PgBaseUnit::Blocks8k => "8kB",
            PgBaseUnit::Kilobytes => "kB",
            PgBaseUnit::Megabytes => "MB",
        }
    }
}

/// A PostgreSQL setting measured in memory units: its base unit and the range PostgreSQL
/// accepts, in base units. Where `min` is -1, -1 means "automatic", "use another setting" or "no
/// limit", depending on the setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PgMemorySetting {
    pub name: &'static str,
    pub base: PgBaseUnit,
    pub min: i64,
    pub max: i64,
}

const fn pg(name: &'static str, base: PgBaseUnit, min: i64, max: i64) -> PgMemorySetting {
    PgMemorySetting {
        name,
        base,
        min,
        max,
    }
}

const PG_INT_MAX: i64 = i32::MAX as i64;

/// Every PostgreSQL 15 setting that takes a memory unit and can be set (`pg_settings` with a unit
/// of B, kB, 8kB or MB and a context other than `internal`; checked against `postgres
/// --describe-config` by `tests/units_oracle.rs`).
pub const POSTGRES_MEMORY_SETTINGS: &[PgMemorySetting] = {
    use PgBaseUnit::*;
    &[
        pg("backend_flush_after", Blocks8k, 0, 256),
        pg("bgwriter_flush_after", Blocks8k, 0, 256),
        pg("checkpoint_flush_after", Blocks8k, 0, 256),
        pg("effective_cache_size", Blocks8k, 1, PG_INT_MAX),
        pg("min_parallel_index_scan_size", Blocks8k, 0, 715_827_882),
        pg("min_parallel_table_scan_size", Blocks8k, 0, 715_827_882),
        pg("shared_buffers", Blocks8k, 16, 1_073_741_823),
        pg("temp_buffers", Blocks8k, 100, 1_073_741_823),
        pg("wal_buffers", Blocks8k, -1, 262_143),
        pg("wal_writer_flush_after", Blocks8k, 0, PG_INT_MAX),
        pg("log_parameter_max_length", Bytes, -1, 1_073_741_823),
        pg(
            "log_parameter_max_length_on_error",
            Bytes,
            -1,
            1_073_741_823,
        ),
        pg("track_activity_query_size", Bytes, 100, 1_048_576),
        pg("wal_decode_buffer_size", Bytes, 65_536, 1_073_741_823),
        pg("max_slot_wal_keep_size", Megabytes, -1, PG_INT_MAX),
        pg("max_wal_size", Megabytes, 2, PG_INT_MAX),
        pg("min_dynamic_shared_memory", Megabytes, 0, PG_INT_MAX),
        pg("min_wal_size", Megabytes, 2, PG_INT_MAX),
        pg("wal_keep_size", Megabytes, 0, PG_INT_MAX),
        pg("autovacuum_work_mem", Kilobytes, -1, PG_INT_MAX),
        pg("gin_pending_list_limit", Kilobytes, 64, PG_INT_MAX),
        pg("huge_page_size", Kilobytes, 0, PG_INT_MAX),
        pg("log_rotation_size", Kilobytes, 0, 2_097_151),
        pg("log_temp_files", Kilobytes, -1, PG_INT_MAX),
        pg("logical_decoding_work_mem", Kilobytes, 64, PG_INT_MAX),
        pg("maintenance_work_mem", Kilobytes, 1024, PG_INT_MAX),
        pg("max_stack_depth", Kilobytes, 100, PG_INT_MAX),
        pg("temp_file_limit", Kilobytes, -1, PG_INT_MAX),
        pg("wal_skip_threshold", Kilobytes, 0, PG_INT_MAX),
        pg("work_mem", Kilobytes, 64, PG_INT_MAX),
    ]
};

/// The PostgreSQL 15 memory setting called `name` (case-insensitive, like PostgreSQL). On the
/// command line PostgreSQL also turns `-` into `_` (`--shared-buffers=1GB`); callers reading
/// command lines do that first.
pub fn postgres_memory_setting_info(name: &str) -> Option<&'static PgMemorySetting> {
    POSTGRES_MEMORY_SETTINGS
        .iter()
        .find(|setting| setting.name.eq_ignore_ascii_case(name))
}

/// The base unit of the PostgreSQL 15 memory setting called `name` (case-insensitive).
pub fn postgres_memory_setting(name: &str) -> Option<PgBaseUnit> {
    postgres_memory_setting_info(name).map(|setting| setting.base)
}

impl PgMemorySetting {
    /// The value PostgreSQL stores for `text`, in base units: [`postgres_units`], then the
    /// setting's range check and adjustments (`wal_buffers` below 4 becomes 4,
    /// `autovacuum_work_mem` below 1024 becomes 1024). Not modelled:
    /// `max_stack_depth` is also refused above the stack rlimit minus 512 kB, which depends on
    /// the host (7680kB with the usual 8 MB stack).
    pub fn parse(&self, text: &str) -> Result<i64, SizeError> {
        let value = postgres_units(text, self.base)?;
        if value < self.min || value > self.max {
            return Err(SizeError::new(format!(
                "`{text}` is {value} {unit} for {name}, outside the range PostgreSQL accepts ({min} .. {max} {unit})",
                unit = self.base.name(),
                name = self.name,
                min = self.min,
                max = self.max,
            )));
        }
        // Check hooks that raise small values instead of refusing them.
        Ok(match self.name {
            "wal_buffers" if (0..4).contains(&value) => 4,
            "autovacuum_work_mem" if (0..1024).contains(&value) => 1024,
            _ => value,
        })
    }
}

/// A PostgreSQL memory setting value as PostgreSQL 15 `parse_int` reads it, in base units
/// (possibly negative): not checked against any setting's range, only against PostgreSQL's
/// int range.
///
/// - the number is read by C `strtol(.., 0)`: leading whitespace and a sign are fine, `0x10`
///   is hexadecimal, and a leading zero means OCTAL (`010` is 8, `08` is refused); if that stops
///   at `.`, `e` or `E` (or overflows) it is re-read by `strtod` (`1.5`, `1e3`, `0x1.8`);
/// - whitespace, then an optional case-SENSITIVE unit `B`, `kB`, `MB`, `GB` or `TB`
///   (1024-based), then whitespace. Without a unit the number counts in `base`, so
///   `shared_buffers=256` is 256 pages of 8 kB, i.e. 2 MB;
/// - with a unit the value is first rounded to a whole number of the next smaller unit
///   (`1.0001GB` is 1024MB), then, like a bare number, to the nearest base unit with ties to
///   even (`20kB` of `shared_buffers` is 2 pages, `1.5` of `work_mem` is 2 kB).
///
/// A hexadecimal number swallows a following `B` (`0x10B` is 267 base units).
pub fn postgres_units(text: &str, base: PgBaseUnit) -> Result<i64, SizeError> {
    let b = text.as_bytes();
    let (mut value, mut end, mut out_of_range) = c_strtol(b);
    if out_of_range || matches!(b.get(end), Some(b'.' | b'e' | b'E')) {
        (value, end, out_of_range) = c_strtod(b);
    }
    if end == 0 || out_of_range || value.is_nan() {
        return Err(SizeError::new(format!(
            "`{text}` is not a PostgreSQL memory value: write a number followed by B, kB, MB, GB or TB, e.g. `256MB`"
        )));
    }
    while b.get(end).is_some_and(|&c| c_isspace(c)) {
        end += 1;
    }
    if end < b.len() {
        value = pg_convert_unit(value, &b[end..], base).ok_or_else(|| {
            let unit = text[end..].trim_matches(|c: char| c.is_ascii() && c_isspace(c as u8));
            SizeError::new(format!(
                "`{text}` has the unit `{unit}`, which PostgreSQL refuses (units are case-sensitive): valid units are B, kB, MB, GB and TB, e.g. `256MB`"
            ))
        })?;
    }
    let value = value.round_ties_even();
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&value) {
        return Err(SizeError::new(format!(
            "`{text}` is too large for PostgreSQL: the value in {} must fit a 32-bit integer",
            base.name()
        )));
    }
    Ok(value as i64)
}

/// A PostgreSQL memory setting value in bytes: [`postgres_units`] times the base unit. Negative
/// values are refused here (for settings whose range starts at -1, -1 means "automatic" or "no
/// limit", not a size; use [`PgMemorySetting::parse`] to see it).
pub fn postgres_bytes(text: &str, base: PgBaseUnit) -> Result<u64, SizeError> {
    let units = postgres_units(text, base)?;
    u64::try_from(units)
        .map(|units| units * base.bytes())
        .map_err(|_| {
            SizeError::new(format!(
                "`{text}` is negative: for PostgreSQL settings that accept -1 it means \"automatic\" or \"no limit\", not a size"
            ))
        })
}

/// PostgreSQL's `convert_to_base_unit`: `unit` is the rest of the value after the number and
/// its trailing whitespace.
fn pg_convert_unit(value: f64, unit: &[u8], base: PgBaseUnit) -> Option<f64> {
    const UNITS: [(&[u8], u64); 5] = [
        (b"TB", TIB),
        (b"GB", GIB),
        (b"MB", MIB),
        (b"kB", KIB),
        (b"B", 1),
    ];
    let len = unit.iter().take(3).take_while(|&&c| !c_isspace(c)).count();
    let (name, rest) = unit.split_at(len);
    if !rest.iter().all(|&c| c_isspace(c)) {
        return None; // unit too long, or something after it
    }
    let index = UNITS.iter().position(|(unit, _)| *unit == name)?;
    let in_base = |bytes: u64| bytes as f64 / base.bytes() as f64;
    let mut converted = value * in_base(UNITS[index].1);
    if let Some((_, smaller)) = UNITS.get(index + 1) {
        let step = in_base(*smaller);
        converted = (converted / step).round_ties_even() * step;
    }
    Some(converted)
}

/// C's `isspace` in the C locale.
fn c_isspace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc `strtol(s, &end, 0)`: (value, bytes consumed, overflowed). Nothing consumed when there
/// is no number, not even the leading whitespace.
fn c_strtol(b: &[u8]) -> (f64, usize, bool) {
    let mut i = b.iter().take_while(|&&c| c_isspace(c)).count();
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let radix = if b.get(i) == Some(&b'0') {
        if matches!(b.get(i + 1), Some(b'x' | b'X'))
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            i += 2;
            16
        } else {
            8
        }
    } else {
        10
    };
    let start = i;
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    while let Some(digit) = b.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        match magnitude
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(digit)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return (0.0, 0, false);
    }
    let limit = if negative {
        1u64 << 63
    } else {
        (1u64 << 63) - 1
    };
    overflow |= magnitude > limit;
    let value = magnitude as f64;
    (if negative { -value } else { value }, i, overflow)
}

/// glibc `strtod` for the numbers `parse_int` hands it: (value, bytes consumed, out of range).
/// Decimal and hexadecimal (`p` exponent optional) floats; `inf`/`nan` cannot reach it because
/// `strtol` must have stopped at `.`, `e` or `E` first.
fn c_strtod(b: &[u8]) -> (f64, usize, bool) {
    let mut i = b.iter().take_while(|&&c| c_isspace(c)).count();
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let hex = b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && (b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            || (b.get(i + 2) == Some(&b'.') && b.get(i + 3).is_some_and(u8::is_ascii_hexdigit)));
    if hex {
        i += 2;
    }
    let is_digit = |c: &u8| {
        if hex {
            c.is_ascii_hexdigit()
        } else {
            c.is_ascii_digit()
        }
    };
    let mantissa_start = i;
    let mut digits = 0;
    let mut saw_dot = false;
    while let Some(c) = b.get(i) {
        if is_digit(c) {
            digits += 1;
        } else if *c == b'.' && !saw_dot {
            saw_dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return (0.0, 0, false);
    }
    let mantissa_end = i;
    let mut exponent_text = &b[i..i];
    let exp_char = if hex { b'p' } else { b'e' };
    if b.get(i).is_some_and(|c| c | 0x20 == exp_char) {
        let mut j = i + 1;
        let sign_start = j;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            exponent_text = &b[sign_start..j];
            i = j;
        }
    }
    // Both slices are ASCII.
    let mantissa = std::str::from_utf8(&b[mantissa_start..mantissa_end]).unwrap_or("");
    let exponent = std::str::from_utf8(exponent_text).unwrap_or("");
    let value = if hex {
        hex_float(mantissa, parse_exponent(exponent))
    } else {
        format!("{mantissa}e{}", parse_exponent(exponent))
            .parse::<f64>()
            .unwrap_or(f64::NAN)
    };
    let nonzero = b[mantissa_start..mantissa_end]
        .iter()
        .any(|&c| c != b'0' && c != b'.');
    // glibc reports ERANGE on overflow and on results that underflow to zero or a subnormal.
    let out_of_range = value.is_infinite() || (nonzero && value < f64::MIN_POSITIVE);
    (if negative { -value } else { value }, i, out_of_range)
}

/// A PostgreSQL integer setting without a unit (`max_connections`, `autovacuum_max_workers`), as
/// PostgreSQL 15 `parse_int` reads it: the number grammar of [`postgres_units`] (octal leading
/// zero, hexadecimal, fractions rounded half to even), and nothing but whitespace after it.
pub fn postgres_integer(text: &str) -> Result<i64, SizeError> {
    let b = text.as_bytes();
    let (mut value, mut end, mut out_of_range) = c_strtol(b);
    if out_of_range || matches!(b.get(end), Some(b'.' | b'e' | b'E')) {
        (value, end, out_of_range) = c_strtod(b);
    }
    let rest_is_space = b[end..].iter().all(|&c| c_isspace(c));
    let value = value.round_ties_even();
    if end == 0 || out_of_range || value.is_nan() || !rest_is_space {
        return Err(SizeError::new(format!(
            "`{text}` is not a PostgreSQL integer: write a whole number without a unit, e.g. `100`"
        )));
    }
    if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&value) {
        return Err(SizeError::new(format!(
            "`{text}` is too large for PostgreSQL: it must fit a 32-bit integer"
        )));
    }
    Ok(value as i64)
}

/// A JVM heap size (the value of `-Xmx`, `-Xms`), as HotSpot's `Arguments::atojulong` reads it:
/// decimal digits, then an optional `k`, `m`, `g` or `t` in either case (1024-based); no unit is
/// bytes. No fractions, no spaces, no `b` after the unit.
pub fn jvm_bytes(text: &str) -> Result<u64, SizeError> {
    let invalid = || {
        SizeError::new(format!(
            "`{text}` is not a JVM memory size: write whole digits followed by k, m or g, e.g. `512m`"
        ))
    };
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let multiplier = match unit.to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => KIB,
        "m" => MIB,
        "g" => GIB,
        "t" => TIB,
        _ => return Err(invalid()),
    };
    let number: u64 = number.parse().map_err(|_| invalid())?;
    number.checked_mul(multiplier).ok_or_else(invalid)
}

/// A count of something (processes, MiB, KiB) as Python's `int()` and Node's option parser read
/// it for the values orion-lint looks at: decimal digits, optionally surrounded by spaces.
pub fn whole_number(text: &str) -> Option<u64> {
    let digits = text.trim();
    (!digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The same PostgreSQL value with its unit spelled the way PostgreSQL wants it (units are
/// case-sensitive there): `256mb` and `256M` become `256MB`, `64kb` becomes `64kB`.
pub fn postgres_unit_corrected(value: &str) -> Option<String> {
    let split = value.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = value.split_at(split);
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => "B",
        "k" | "kb" | "kib" => "kB",
        "m" | "mb" | "mib" => "MB",
        "g" | "gb" | "gib" => "GB",
        "t" | "tb" | "tib" => "TB",
        _ => return None,
    };
    (!number.is_empty()).then(|| format!("{number}{unit}"))
}

/// Whether a Redis size uses a 1000-based unit (`k`, `m`, `g`) where Compose's same letter is
/// 1024-based.
pub fn redis_unit_is_decimal(value: &str) -> bool {
    let unit = value
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .to_ascii_lowercase();
    matches!(unit.as_str(), "k" | "m" | "g")
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

/// A PostgreSQL memory value in PostgreSQL's own (case-sensitive) units, rounded down to whole
/// MB: `64MB`, `1GB`.
pub fn postgres_size(bytes: u64) -> String {
    let mb = bytes / MIB;
    if mb >= 1024 && mb % 1024 == 0 {
        format!("{}GB", mb / 1024)
    } else {
        format!("{mb}MB")
    }
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
    #[test]
    fn jvm_sizes() {
        for (text, bytes) in [
            ("1g", super::GIB),
            ("1G", super::GIB),
            ("1024m", super::GIB),
            ("1048576k", super::GIB),
            ("1073741824", super::GIB),
            ("512M", 512 * super::MIB),
        ] {
            assert_eq!(super::jvm_bytes(text), Ok(bytes), "{text}");
        }
        for text in [
            "1.5g",
            "1gb",
            "",
            "g",
            "-1g",
            "1 g",
            "99999999999999999999t",
        ] {
            assert!(super::jvm_bytes(text).is_err(), "{text}");
        }
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(super::whole_number("4"), Some(4));
        assert_eq!(super::whole_number(" 1536 "), Some(1536));
        for text in [
            "",
            "4.5",
            "-1",
            "$(nproc)",
            "0x10",
            "99999999999999999999999",
        ] {
            assert_eq!(super::whole_number(text), None, "{text}");
        }
    }

    #[test]
    fn postgres_integers() {
        for (text, value) in [
            ("100", 100),
            (" 20", 20),
            ("024", 20),
            ("0x14", 20),
            ("20.5", 20),
            ("21.5", 22),
            ("1e2", 100),
        ] {
            assert_eq!(super::postgres_integer(text), Ok(value), "{text}");
        }
        for text in ["", "20MB", "abc", "08", "1e20"] {
            assert!(super::postgres_integer(text).is_err(), "{text}");
        }
    }

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
    fn postgres_bytes_matches_postgres() {
        // postgres 15.18 (`-C shared_buffers` prints 8 kB pages): domain-facts 3.1 and more.
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
            // rounding: to whole kB first, then to pages with ties to even
            ("12kB", pages(2)),
            ("20kB", pages(2)),
            ("4kB", pages(0)),
            ("4097B", pages(1)),
            ("1.5e3kB", pages(188)),
            ("1.0001GB", pages(131_072)),
            // strtol(.., 0): hexadecimal and octal
            ("0x10", pages(16)),
            ("0x10MB", pages(2048)),
            ("0x10B", pages(267)),
            ("010", pages(8)),
            ("0x1.8p1", pages(3)),
            // whitespace around the unit
            (" 256MB", pages(32768)),
            ("256 MB", pages(32768)),
            ("256MB ", pages(32768)),
            ("256\tMB", pages(32768)),
            ("+5MB", pages(640)),
            ("1e3", pages(1000)),
            ("1.e3", pages(1000)),
            (".5", pages(0)),
            ("2TB", pages(268_435_456)),
        ] {
            assert_eq!(
                postgres_bytes(text, PgBaseUnit::Blocks8k),
                Ok(bytes),
                "{text:?}"
            );
        }
        assert_eq!(postgres_bytes("4096", PgBaseUnit::Kilobytes), Ok(4 * MIB));
        assert_eq!(postgres_bytes("4MB", PgBaseUnit::Kilobytes), Ok(4 * MIB));
        assert_eq!(postgres_bytes("1.5", PgBaseUnit::Kilobytes), Ok(2 * KIB));
        assert_eq!(postgres_bytes("2.5", PgBaseUnit::Kilobytes), Ok(2 * KIB));
        assert_eq!(
            postgres_bytes("66048B", PgBaseUnit::Kilobytes),
            Ok(64 * KIB)
        );
        assert_eq!(
            postgres_bytes("66560B", PgBaseUnit::Kilobytes),
            Ok(65 * KIB)
        );
        assert_eq!(postgres_bytes("1.0001GB", PgBaseUnit::Kilobytes), Ok(GIB));
        assert_eq!(
            postgres_bytes("2047GB", PgBaseUnit::Kilobytes),
            Ok(2047 * GIB)
        );
        assert_eq!(postgres_bytes("1.5e3kB", PgBaseUnit::Megabytes), Ok(MIB));
        assert_eq!(postgres_bytes("1.5", PgBaseUnit::Megabytes), Ok(2 * MIB));
        assert_eq!(postgres_bytes("1.5kB", PgBaseUnit::Bytes), Ok(1536));
        assert_eq!(postgres_bytes("1e-300", PgBaseUnit::Megabytes), Ok(0));
        for text in [
            "256mb",
            "256Mb",
            "1gb",
            "128KB",
            "128kb",
            "1G",
            "256M",
            "256MiB",
            "",
            "08",
            "09.5",
            " .5",
            "+.5",
            "-.5",
            "1e",
            "inf",
            "nan",
            "256 M B",
            "256MBB",
            "0x",
            "1_000",
            "0x1p4",
            "0x1P4",
            "0x.8",
            "1.5.3",
            "1 e3",
            "1e3e3",
            "99999999999999999999",
            "1e300TB",
            "1e-310",
            "2147483648",
            "2147483647.5",
            "-1",
            "-0x10",
        ] {
            assert!(
                postgres_bytes(text, PgBaseUnit::Blocks8k).is_err(),
                "{text:?} should be rejected, got {:?}",
                postgres_bytes(text, PgBaseUnit::Blocks8k)
            );
        }
        assert!(postgres_bytes("2TB", PgBaseUnit::Kilobytes).is_err());
        assert!(postgres_bytes("2048GB", PgBaseUnit::Kilobytes).is_err());
    }

    #[test]
    fn postgres_settings_check_their_range() {
        let setting = |name| postgres_memory_setting_info(name).unwrap();
        assert_eq!(setting("shared_buffers").parse("1GB"), Ok(131_072));
        assert!(setting("shared_buffers").parse("64kB").is_err()); // 8 pages, minimum 16
        assert!(setting("shared_buffers").parse("-1").is_err());
        assert!(setting("work_mem").parse("1.5").is_err()); // 2 kB, minimum 64
        assert_eq!(setting("max_slot_wal_keep_size").parse("-1"), Ok(-1));
        assert_eq!(setting("wal_buffers").parse("-1"), Ok(-1));
        assert_eq!(setting("wal_buffers").parse("0"), Ok(4));
        assert_eq!(setting("wal_buffers").parse("3"), Ok(4));
        assert_eq!(setting("wal_buffers").parse("5"), Ok(5));
        assert!(setting("wal_buffers").parse("262144").is_err());
        assert_eq!(setting("autovacuum_work_mem").parse("-1"), Ok(-1));
        assert_eq!(setting("autovacuum_work_mem").parse("0"), Ok(1024));
        assert_eq!(setting("autovacuum_work_mem").parse("512kB"), Ok(1024));
        assert_eq!(setting("autovacuum_work_mem").parse("2MB"), Ok(2048));
        assert_eq!(
            postgres_memory_setting("Shared_Buffers"),
            Some(PgBaseUnit::Blocks8k)
        );
        assert_eq!(
            postgres_memory_setting("work_mem"),
            Some(PgBaseUnit::Kilobytes)
        );
        assert_eq!(
            postgres_memory_setting("max_wal_size"),
            Some(PgBaseUnit::Megabytes)
        );
        assert_eq!(
            postgres_memory_setting("track_activity_query_size"),
            Some(PgBaseUnit::Bytes)
        );
        assert_eq!(postgres_memory_setting("max_connections"), None);
    }

    #[test]
    fn postgres_units_are_respelled() {
        assert_eq!(postgres_unit_corrected("256mb").as_deref(), Some("256MB"));
        assert_eq!(postgres_unit_corrected("1G").as_deref(), Some("1GB"));
        assert_eq!(postgres_unit_corrected("64KB").as_deref(), Some("64kB"));
        assert_eq!(postgres_unit_corrected("256MiB").as_deref(), Some("256MB"));
        assert_eq!(postgres_unit_corrected("lots"), None);
    }

    #[test]
    fn redis_decimal_units() {
        assert!(redis_unit_is_decimal("256m"));
        assert!(redis_unit_is_decimal("1G"));
        assert!(!redis_unit_is_decimal("256mb"));
        assert!(!redis_unit_is_decimal("100"));
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

    #[test]
    fn redis_sizes_below_one_mib_are_not_zero() {
        // `0mb` means no limit: a suggestion must never turn a small limit into none.
        assert_eq!(redis_size(768 * KIB), "768kb");
        assert_eq!(redis_size(768), "768");
        assert_eq!(redis_size(96 * MIB + 5), "96mb");
        assert_eq!(redis_bytes(&redis_size(1536 * KIB)), Ok(MIB));
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
