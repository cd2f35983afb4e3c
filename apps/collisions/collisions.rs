//! Di-muon invariant-mass histogram of a collision-event dataset.
//!
//! Usage: collisions [MIN_GEV MAX_GEV BINS]        (defaults: 60 120 60)
//!
//! Input: every `*.csv` file directly in /in, read in name order. One row per muon:
//!
//!     event,charge,e_gev,px_gev,py_gev,pz_gev
//!     0,1,45.1203,12.0031,-3.1000,41.9922
//!
//! (a first line starting with `event` is a header and is skipped; rows of one event
//! are consecutive). For every event, each pair of opposite-charge muons adds its
//! invariant mass m = sqrt((E1+E2)^2 - |p1+p2|^2) to the histogram.
//!
//! Output: /out/histogram.csv (bin_low_gev,bin_high_gev,count), /out/plot.txt (a text
//! bar chart) and /out/summary.json (counts and the centre of the fullest bin).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::process;

struct Muon {
    charge: i32,
    e: f64,
    px: f64,
    py: f64,
    pz: f64,
}

struct Histogram {
    min: f64,
    max: f64,
    counts: Vec<u64>,
    pairs: u64,
    outside: u64,
}

impl Histogram {
    fn add(&mut self, mass: f64) {
        self.pairs += 1;
        if !(mass >= self.min && mass < self.max) {
            self.outside += 1;
            return;
        }
        let width = (self.max - self.min) / self.counts.len() as f64;
        let bin = (((mass - self.min) / width) as usize).min(self.counts.len() - 1);
        self.counts[bin] += 1;
    }

    fn bin_low(&self, bin: usize) -> f64 {
        self.min + (self.max - self.min) * bin as f64 / self.counts.len() as f64
    }
}

fn fail(message: String) -> ! {
    eprintln!("collisions: {}", message);
    process::exit(2);
}

fn parse_args() -> (f64, f64, usize) {
    let args: Vec<String> = env::args().skip(1).collect();
    if args.is_empty() {
        return (60.0, 120.0, 60);
    }
    if args.len() != 3 {
        fail("usage: collisions [MIN_GEV MAX_GEV BINS]".to_string());
    }
    let min: f64 = args[0].parse().unwrap_or_else(|_| fail(format!("bad MIN_GEV '{}'", args[0])));
    let max: f64 = args[1].parse().unwrap_or_else(|_| fail(format!("bad MAX_GEV '{}'", args[1])));
    let bins: usize = args[2].parse().unwrap_or_else(|_| fail(format!("bad BINS '{}'", args[2])));
    if !(min.is_finite() && max.is_finite() && min < max) || bins == 0 || bins > 100_000 {
        fail("need MIN_GEV < MAX_GEV and 0 < BINS <= 100000".to_string());
    }
    (min, max, bins)
}

fn add_event(muons: &[Muon], histogram: &mut Histogram) {
    for i in 0..muons.len() {
        for j in (i + 1)..muons.len() {
            let (a, b) = (&muons[i], &muons[j]);
            if a.charge + b.charge != 0 {
                continue;
            }
            let e = a.e + b.e;
            let (px, py, pz) = (a.px + b.px, a.py + b.py, a.pz + b.pz);
            let m2 = e * e - px * px - py * py - pz * pz;
            histogram.add(if m2 > 0.0 { m2.sqrt() } else { 0.0 });
        }
    }
}

fn read_file(name: &str, text: &str, histogram: &mut Histogram, events: &mut u64) {
    let mut current: Option<u64> = None;
    let mut muons: Vec<Muon> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (index == 0 && line.starts_with("event")) {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 6 {
            fail(format!("{}:{}: expected 6 fields, got {}", name, index + 1, fields.len()));
        }
        let number = |k: usize| -> f64 {
            fields[k]
                .trim()
                .parse()
                .unwrap_or_else(|_| fail(format!("{}:{}: bad number '{}'", name, index + 1, fields[k])))
        };
        let event: u64 = fields[0]
            .trim()
            .parse()
            .unwrap_or_else(|_| fail(format!("{}:{}: bad event id '{}'", name, index + 1, fields[0])));
        if current != Some(event) {
            add_event(&muons, histogram);
            muons.clear();
            current = Some(event);
            *events += 1;
        }
        let charge = number(1) as i32;
        muons.push(Muon { charge, e: number(2), px: number(3), py: number(4), pz: number(5) });
    }
    add_event(&muons, histogram);
}

fn main() {
    let (min, max, bins) = parse_args();
    let mut histogram = Histogram { min, max, counts: vec![0; bins], pairs: 0, outside: 0 };

    let mut names: Vec<String> = fs::read_dir("/in")
        .unwrap_or_else(|e| fail(format!("cannot list /in: {}", e)))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".csv"))
        .collect();
    names.sort();
    if names.is_empty() {
        fail("no *.csv file in /in".to_string());
    }

    let mut events = 0u64;
    for name in &names {
        let text = fs::read_to_string(format!("/in/{}", name)).unwrap_or_else(|e| fail(format!("cannot read /in/{}: {}", name, e)));
        read_file(name, &text, &mut histogram, &mut events);
    }

    let mut csv = String::from("bin_low_gev,bin_high_gev,count\n");
    for (bin, count) in histogram.counts.iter().enumerate() {
        writeln!(csv, "{:.3},{:.3},{}", histogram.bin_low(bin), histogram.bin_low(bin + 1), count).unwrap();
    }

    let peak = (0..bins).max_by_key(|&b| (histogram.counts[b], std::cmp::Reverse(b))).unwrap_or(0);
    let tallest = histogram.counts[peak].max(1);
    let mut plot = format!("di-muon invariant mass, {} pairs in [{}, {}) GeV\n", histogram.pairs - histogram.outside, min, max);
    for (bin, count) in histogram.counts.iter().enumerate() {
        let bar = "#".repeat((count * 60 / tallest) as usize);
        writeln!(plot, "{:>9.3} | {:<60} {}", histogram.bin_low(bin), bar, count).unwrap();
    }

    let peak_centre = (histogram.bin_low(peak) + histogram.bin_low(peak + 1)) / 2.0;
    let summary = format!(
        "{{\"files\":{},\"events\":{},\"pairs\":{},\"outside_range\":{},\"peak_bin_center_gev\":{:.3},\"peak_count\":{}}}\n",
        names.len(), events, histogram.pairs, histogram.outside, peak_centre, histogram.counts[peak]
    );

    for (path, text) in [("/out/histogram.csv", &csv), ("/out/plot.txt", &plot), ("/out/summary.json", &summary)] {
        fs::write(path, text).unwrap_or_else(|e| fail(format!("cannot write {}: {}", path, e)));
    }
    println!("{} events, {} opposite-charge pairs, peak at {:.3} GeV", events, histogram.pairs, peak_centre);
}
