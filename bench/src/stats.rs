//! Medians, spreads and the printed table.

/// Samples of one measure (one per round).
#[derive(Clone, Debug, Default)]
pub struct Samples(pub Vec<f64>);

impl Samples {
    pub fn push(&mut self, v: f64) {
        self.0.push(v);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }

    pub fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    pub fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    /// `median (min–max)` with `fmt` applied to each figure.
    pub fn show(&self, fmt: impl Fn(f64) -> String) -> String {
        format!(
            "{} ({}–{})",
            fmt(self.median()),
            fmt(self.min()),
            fmt(self.max())
        )
    }
}

/// Per-round speed ratios: `ours ÷ peer` for rates, `peer ÷ ours` for times, so that > 1
/// always means ours is faster. Rounds are paired (both measured in the same round).
pub fn speedups(ours: &Samples, peer: &Samples, higher_is_better: bool) -> Samples {
    Samples(
        ours.0
            .iter()
            .zip(&peer.0)
            .map(|(o, p)| if higher_is_better { o / p } else { p / o })
            .collect(),
    )
}

pub fn rate(v: f64) -> String {
    format!("{v:.0}/s")
}

pub fn nanos(v: f64) -> String {
    format!("{v:.0} ns")
}

pub fn secs(v: f64) -> String {
    format!("{v:.2} s")
}

pub fn ratio(v: f64) -> String {
    format!("{v:.2}×")
}

/// One row of the table.
pub struct Row {
    pub measure: String,
    pub ours: String,
    pub peer: String,
    pub ratio: String,
    pub target: String,
    pub met: Option<bool>,
}

pub fn print_table(rows: &[Row]) {
    println!("| measure | ours | peer | ratio | target | met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**NO**",
            None => "—",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.measure, r.ours, r.peer, r.ratio, r.target, met
        );
    }
}

/// ns per call of `ours` and `peer`: `ops` calls per sample, `rounds` samples each, the two
/// interleaved (alternating which goes first) so they share the machine's noise. One warm-up
/// sample each is discarded.
pub fn time_pair(
    ops: usize,
    rounds: usize,
    ours: &dyn Fn(),
    peer: &dyn Fn(),
) -> (Samples, Samples) {
    let time = |f: &dyn Fn()| {
        let start = std::time::Instant::now();
        for _ in 0..ops {
            f();
        }
        start.elapsed().as_nanos() as f64 / ops as f64
    };
    time(ours);
    time(peer);
    let (mut o, mut p) = (Samples::default(), Samples::default());
    for round in 0..rounds {
        if round % 2 == 0 {
            o.push(time(ours));
            p.push(time(peer));
        } else {
            p.push(time(peer));
            o.push(time(ours));
        }
    }
    (o, p)
}
