//! Memory sizes, each parsed by the grammar of the program that reads it.
//!
//! The same spelling means different things to different programs: Compose reads `100m` as 100 MiB,
//! Redis reads it as 10^8 bytes and PostgreSQL refuses it. Values are therefore always converted to
//! bytes with the reader's own grammar before they are compared, never compared as text.
//! One file per grammar: `compose` (go-units), `redis` (`memtoull`), `postgres` (`parse_int`)
//! and `jvm` (HotSpot), with the float reading Go and C share in `float`. The tables in their
//! tests come from running the real programs (see `tests/units_oracle.rs`).

mod compose;
mod float;
mod jvm;
mod postgres;
mod redis;

use std::fmt;

pub use compose::{compose_bytes, compose_size, compose_size_like};
pub use jvm::jvm_bytes;
pub use postgres::{
    POSTGRES_MEMORY_SETTINGS, PgBaseUnit, PgMemorySetting, postgres_bytes, postgres_integer,
    postgres_memory_setting, postgres_memory_setting_info, postgres_size, postgres_unit_corrected,
    postgres_units,
};
pub use redis::{redis_bytes, redis_size, redis_unit_is_decimal};

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

/// A count of something (processes, MiB, KiB) as Python's `int()` and Node's option parser read
/// it for the values orion-lint looks at: decimal digits, optionally surrounded by spaces.
pub fn whole_number(text: &str) -> Option<u64> {
    let digits = text.trim();
    (!digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
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
    fn human_and_exact_formatting() {
        assert_eq!(human_bytes(768 * MIB), "768 MiB");
        assert_eq!(human_bytes(1536 * MIB), "1.5 GiB");
        assert_eq!(human_bytes(100_000_000), "95.4 MiB");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(exact_bytes(104_857_600), "104,857,600 B");
        assert_eq!(exact_bytes(100), "100 B");
    }
}
