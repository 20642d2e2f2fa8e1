//! Sizes as deployment docs write them: `768 MB`, `1 GB`, `1,984 MB`, `0.5 GiB`, `~1.3 GB`.
//!
//! The convention: a doc's `KB`, `MB`, `GB` and `TB` are read as powers of 1024 (as in the
//! Orion scaling guide, where `128 MB` is Compose's `128m`), and a size also agrees with a
//! limit when the 1000-based reading matches it exactly; `KiB`, `MiB`, `GiB` and `TiB` (and
//! Compose's `k`, `m`, `g`) are 1024-based only. A rewritten size is always 1024-based, in the
//! unit, separator, spacing and `~` of the size it replaces.

const KIB: f64 = 1024.0;

/// A size written in a doc, with how it is written so that a fix can keep the style.
#[derive(Clone, Debug, PartialEq)]
pub struct DocSize {
    /// The size as written (surrounding spaces aside), for messages.
    pub written: String,
    /// What precedes the number: `~`, `~ `, `≈` or nothing.
    pub prefix: String,
    pub number: f64,
    /// Digits after the decimal point as written.
    pub decimals: usize,
    /// Whether the number groups thousands with `,`.
    pub separator: bool,
    /// Between the number and the unit: a space or nothing.
    pub gap: String,
    /// The unit as written: `MB`, `GiB`, `m`.
    pub unit: String,
    /// The 1024-based power of the unit.
    power: i32,
    /// Whether the unit may also mean a power of 1000.
    ambiguous: bool,
}

impl DocSize {
    /// Read a size that is the whole of `text` (surrounding spaces aside).
    pub fn parse(text: &str) -> Option<DocSize> {
        let text = text.trim();
        let rest = text.trim_start_matches(['~', '≈']);
        let prefix_end = text.len() - rest.trim_start().len();
        let rest = &text[prefix_end..];
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .unwrap_or(rest.len());
        let written = &rest[..number_end];
        let after = &rest[number_end..];
        let unit = after.trim_start();
        let (power, ambiguous) = unit_power(unit)?;
        let separator = written.contains(',');
        if !written.starts_with(|c: char| c.is_ascii_digit())
            || separator && !grouped(written.split('.').next().unwrap_or_default())
        {
            return None;
        }
        let plain = written.replace(',', "");
        let number: f64 = plain.parse().ok()?;
        Some(DocSize {
            written: text.to_string(),
            prefix: text[..prefix_end].to_string(),
            number,
            decimals: plain.split_once('.').map_or(0, |(_, d)| d.len()),
            separator,
            gap: after[..after.len() - unit.len()].to_string(),
            unit: unit.to_string(),
            power,
            ambiguous,
        })
    }

    pub fn is_approximate(&self) -> bool {
        !self.prefix.is_empty()
    }

    /// The bytes this size means by the doc's convention (1024-based).
    pub fn bytes(&self) -> u64 {
        (self.number * KIB.powi(self.power)).round() as u64
    }

    /// Whether the size states `bytes`: exactly when whole, else to its written decimals
    /// (within 5% when approximate),
    /// read as 1024-based or, for `MB`-style units, as 1000-based.
    pub fn states(&self, bytes: u64) -> bool {
        let readings = [
            Some(KIB.powi(self.power)),
            self.ambiguous.then(|| 1000f64.powi(self.power)),
        ];
        readings.into_iter().flatten().any(|scale| {
            let value = bytes as f64 / scale;
            if self.is_approximate() {
                (value - self.number).abs() <= value * 0.05
            } else if self.decimals == 0 {
                // A whole number states the value exactly: `1 GB` is not 512 MiB rounded up.
                (value - self.number).abs() < 1e-9
            } else {
                let factor = 10f64.powi(self.decimals as i32);
                ((value * factor).round() - self.number * factor).abs() < 1e-6
            }
        })
    }

    /// `bytes` written in this size's style, in its unit when that is exact (to at most two
    /// decimals, or its own precision when approximate), else in the next smaller unit.
    pub fn rewrite(&self, bytes: u64) -> Option<String> {
        let mut power = self.power;
        let mut unit = self.unit.clone();
        loop {
            let value = bytes as f64 / KIB.powi(power);
            let exact = (0..=2).find(|&d| {
                let factor = 10f64.powi(d);
                ((value * factor).round() - value * factor).abs() < 1e-9
            });
            let decimals = exact.or_else(|| self.is_approximate().then_some(self.decimals as i32));
            if let Some(decimals) = decimals {
                let number = format_number(value, decimals as usize, self.separator);
                return Some(format!("{}{number}{}{unit}", self.prefix, self.gap));
            }
            if power <= 1 {
                return None;
            }
            power -= 1;
            unit = smaller_unit(&unit)?;
        }
    }
}

/// Whether a number's integer part groups its digits by three with commas: `1,984`.
fn grouped(integer: &str) -> bool {
    let groups: Vec<&str> = integer.split(',').collect();
    groups[0].len() <= 3 && !groups[0].is_empty() && groups[1..].iter().all(|g| g.len() == 3)
}

/// The 1024-based power of a unit, and whether it may also be read as a power of 1000.
fn unit_power(unit: &str) -> Option<(i32, bool)> {
    let lower = unit.to_ascii_lowercase();
    let power = match lower.chars().next()? {
        'b' if lower == "b" => return Some((0, false)),
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        _ => return None,
    };
    match &lower[1..] {
        "b" => Some((power, true)),
        "ib" | "" => Some((power, false)),
        _ => None,
    }
}

/// The unit one power of 1024 below `unit`, in its spelling: `GB` -> `MB`, `GiB` -> `MiB`.
fn smaller_unit(unit: &str) -> Option<String> {
    let mut chars = unit.chars();
    let first = chars.next()?;
    let lower = match first.to_ascii_lowercase() {
        't' => 'g',
        'g' => 'm',
        'm' => 'k',
        _ => return None,
    };
    let letter = if first.is_ascii_uppercase() {
        lower.to_ascii_uppercase()
    } else {
        lower
    };
    Some(format!("{letter}{}", chars.as_str()))
}

/// A number with `decimals` digits after the point, its thousands grouped with commas when
/// `separator`.
fn format_number(value: f64, decimals: usize, separator: bool) -> String {
    let text = format!("{value:.decimals$}");
    let (integer, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let integer = if separator {
        let digits: Vec<char> = integer.chars().collect();
        let mut out = String::new();
        for (i, digit) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(*digit);
        }
        out
    } else {
        integer.to_string()
    };
    match fraction {
        Some(fraction) => format!("{integer}.{fraction}"),
        None => integer,
    }
}

#[cfg(test)]
mod tests {
    use super::DocSize;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn reads_human_spellings() {
        for (text, bytes) in [
            ("768 MB", 768 * MIB),
            ("1 GB", 1024 * MIB),
            ("1,984 MB", 1984 * MIB),
            ("0.5 GiB", 512 * MIB),
            ("~1.3 GB", (1.3 * 1024.0 * MIB as f64).round() as u64),
            ("128m", 128 * MIB),
        ] {
            assert_eq!(
                DocSize::parse(text).map(|s| s.bytes()),
                Some(bytes),
                "{text}"
            );
        }
        for text in [
            "",
            "MB",
            "12 apples",
            "1,98 MB",
            "mem_limit: 256m",
            "1.2.3 MB",
        ] {
            assert_eq!(DocSize::parse(text), None, "{text}");
        }
    }

    #[test]
    fn states_a_limit_by_either_reading_when_they_agree() {
        let mb = DocSize::parse("100 MB").unwrap();
        assert!(mb.states(100 * MIB));
        assert!(mb.states(100_000_000), "the 1000-based reading");
        assert!(!mb.states(128 * MIB));
        assert!(
            !DocSize::parse("1 GB").unwrap().states(512 * MIB),
            "no rounding of whole numbers"
        );
        assert!(
            DocSize::parse("1.27 GB").unwrap().states(1300 * MIB),
            "rounded to its decimals"
        );
        assert!(!DocSize::parse("100 MiB").unwrap().states(100_000_000));
        let about = DocSize::parse("~1.3 GB").unwrap();
        assert!(about.states(1300 * MIB));
        assert!(!about.states(1024 * MIB));
    }

    #[test]
    fn rewrites_in_the_size_s_own_style() {
        let rewrite = |text: &str, bytes| DocSize::parse(text).unwrap().rewrite(bytes);
        assert_eq!(rewrite("512 MB", 768 * MIB).as_deref(), Some("768 MB"));
        assert_eq!(rewrite("2,176 MB", 1984 * MIB).as_deref(), Some("1,984 MB"));
        assert_eq!(rewrite("~512 MB", 768 * MIB).as_deref(), Some("~768 MB"));
        assert_eq!(rewrite("1 GB", 1536 * MIB).as_deref(), Some("1.5 GB"));
        assert_eq!(rewrite("1GiB", 1100 * MIB).as_deref(), Some("1100MiB"));
        assert_eq!(rewrite("0.5 GiB", 1024 * MIB).as_deref(), Some("1 GiB"));
    }
}
