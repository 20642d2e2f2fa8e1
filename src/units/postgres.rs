//! PostgreSQL memory settings: `parse_int` as PostgreSQL 15 reads them, their ranges, and the
//! spellings the fixes write back.

use super::float::{hex_float, parse_exponent};
use super::{GIB, KIB, MIB, SizeError, TIB};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
