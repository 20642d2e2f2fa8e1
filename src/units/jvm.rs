//! JVM heap sizes: HotSpot's `atojulong` as it reads `-Xmx`.

use super::{GIB, KIB, MIB, SizeError, TIB};

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
}
