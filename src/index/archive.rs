//! Archive: indexed entries → daily editions, month and year periods (newest first).

use std::collections::BTreeMap;

use super::Entry;

#[derive(Debug, Clone)]
pub struct Period {
    pub year: i16,
    pub month: Option<i8>,
    pub day: Option<i8>,
    /// Entry indices, newest first.
    pub entries: Vec<usize>,
}

/// `YYYY/MM/DD/`: the folder of a day's edition, and the start of its articles' paths.
pub fn day_path(day: jiff::civil::Date) -> String {
    let mut path = String::with_capacity(11);
    push_day_path(&mut path, day);
    path
}

/// `day_path` onto `out`, digit by digit: every story's URL starts with it, and
/// `format!` for 100 000 of them shows in an incremental build.
pub fn push_day_path(out: &mut String, day: jiff::civil::Date) {
    let push = |out: &mut String, n: i16, width: u32| {
        for place in (0..width).rev() {
            let digit = (n / 10i16.pow(place)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
    };
    if !(0..=9999).contains(&day.year()) {
        out.push_str(&format!(
            "{:04}/{:02}/{:02}/",
            day.year(),
            day.month(),
            day.day()
        ));
        return;
    }
    push(out, day.year(), 4);
    out.push('/');
    push(out, day.month().into(), 2);
    out.push('/');
    push(out, day.day().into(), 2);
    out.push('/');
}

impl Period {
    /// `YYYY/`, `YYYY/MM/` or `YYYY/MM/DD/`.
    pub fn url(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}/{:02}/{:02}/", self.year, m, d),
            (Some(m), None) => format!("{:04}/{:02}/", self.year, m),
            _ => format!("{:04}/", self.year),
        }
    }
}

type Key = (i16, Option<i8>, Option<i8>);

pub fn periods(entries: &[Entry]) -> (Vec<Period>, Vec<Period>, Vec<Period>) {
    let mut days: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    let mut months: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    let mut years: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let (y, m, d) = (e.day.year(), e.day.month(), e.day.day());
        days.entry((y, Some(m), Some(d))).or_default().push(i);
        months.entry((y, Some(m), None)).or_default().push(i);
        years.entry((y, None, None)).or_default().push(i);
    }
    let to_vec = |map: BTreeMap<Key, Vec<usize>>| {
        map.into_iter()
            .rev()
            .map(|((year, month, day), entries)| Period {
                year,
                month,
                day,
                entries,
            })
            .collect()
    };
    (to_vec(days), to_vec(months), to_vec(years))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_path_is_the_zero_padded_date_for_every_year() {
        for (y, m, d) in [
            (2026, 1, 4),
            (5, 12, 31),
            (999, 10, 9),
            (9999, 2, 28),
            (-3, 7, 1),
        ] {
            let day = jiff::civil::date(y, m, d);
            assert_eq!(day_path(day), format!("{y:04}/{m:02}/{d:02}/"));
        }
    }
}
