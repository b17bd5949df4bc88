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
    format!("{:04}/{:02}/{:02}/", day.year(), day.month(), day.day())
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
