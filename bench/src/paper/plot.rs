//! The figures, like the paper's Figures 2 and 3: per kernel (per test) one
//! group of horizontal bars, one bar per configuration, each the median
//! time relative to native (1.0 = native speed, drawn as a line), and a last
//! group with the geometric means. Rendered with plotters to SVG and PNG.

use super::config::Config;
use super::results::{POLYBENCH, Results, SPEEDTEST};
use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One figure written to disk.
#[derive(Debug)]
pub struct Figure {
    pub title: String,
    pub svg: PathBuf,
    pub png: Option<PathBuf>,
}

/// The configurations drawn (Pulley, at 50x and more, would flatten every
/// other bar; its ratios are in the tables).
const DRAWN: [Config; 6] = [
    Config::Plain,
    Config::Jit,
    Config::Aot,
    Config::Migratable,
    Config::Wasmtime,
    Config::ArmAot,
];

const COLOURS: [RGBColor; 6] = [
    RGBColor(170, 170, 170),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
];

/// A data set to draw.
struct Bars {
    title: String,
    groups: Vec<String>,
    /// (legend, colour, one value per group)
    series: Vec<(String, RGBColor, Vec<Option<f64>>)>,
}

/// Registers the font and draws both figures.
pub fn draw_all(r: &Results, dir: &Path, font: &Path, quick: bool) -> Result<Vec<Figure>> {
    let bytes = std::fs::read(font).with_context(|| format!("cannot read {}", font.display()))?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| anyhow!("{} is not a usable font", font.display()))?;
    let suffix = if quick { "-quick" } else { "" };
    let mut out = Vec::new();
    for (suite, name, title) in [
        (
            POLYBENCH,
            "polybench",
            "PolyBench/C 4.2, 30 kernels: time relative to native (lower is better)",
        ),
        (
            SPEEDTEST,
            "speedtest1",
            "SQLite speedtest1 --memdb: time relative to native (lower is better)",
        ),
    ] {
        let bars = collect(r, suite, title);
        let svg = dir.join(format!("{name}{suffix}.svg"));
        let png = dir.join(format!("{name}{suffix}.png"));
        let size = (
            1100,
            140 + (bars.groups.len() as u32) * (10 + 7 * bars.series.len() as u32),
        );
        draw(SVGBackend::new(&svg, size).into_drawing_area(), &bars)
            .with_context(|| format!("cannot draw {}", svg.display()))?;
        let png_ok = draw(BitMapBackend::new(&png, size).into_drawing_area(), &bars);
        out.push(Figure {
            title: title.to_string(),
            svg,
            png: png_ok.is_ok().then_some(png),
        });
    }
    Ok(out)
}

fn collect(r: &Results, suite: &'static str, title: &str) -> Bars {
    let configs = r.configs(suite);
    let mut groups = Results::benchmarks(suite);
    let kept = Results::kept(suite);
    if suite == SPEEDTEST {
        groups.retain(|g| kept.contains(g));
    }
    let mut series = Vec::new();
    for (i, c) in DRAWN.iter().enumerate() {
        if !configs.contains(c) {
            continue;
        }
        let mut v: Vec<Option<f64>> = groups.iter().map(|b| r.ratio(suite, *c, b)).collect();
        v.push(r.geomean(suite, *c, &kept));
        let mut legend = c.short().to_string();
        if let Some(s) = r.sizes.get(&(suite, *c)) {
            if *c == Config::ArmAot {
                legend = format!("{legend} vs aarch64 native, qemu-emulated, {s}");
            } else if *c == Config::Plain {
                legend = "JIT, plain -O2 module (before the fixes)".into();
            }
        }
        series.push((legend, COLOURS[i], v));
    }
    let groups = groups
        .into_iter()
        .map(|g| {
            if suite == SPEEDTEST {
                format!("test {g}")
            } else {
                g
            }
        })
        .chain(std::iter::once(if suite == SPEEDTEST {
            "geomean (29)".to_string()
        } else {
            "geomean".to_string()
        }))
        .collect();
    Bars {
        title: title.to_string(),
        groups,
        series,
    }
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, b: &Bars) -> Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| anyhow!("{e:?}"))?;
    let n = b.groups.len();
    let max = b
        .series
        .iter()
        .flat_map(|(_, _, v)| v.iter().flatten())
        .fold(1.5f64, |m, v| m.max(*v));
    // Past 6× a bar is cut at the edge and labelled with its value, so that
    // one slow configuration does not flatten all the others.
    let xmax = ((max * 1.08).min(6.0) * 4.0).ceil() / 4.0;
    let mut chart = ChartBuilder::on(&root)
        .caption(&b.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(130)
        .build_cartesian_2d(0f64..xmax, -0.5f64..(n as f64 - 0.5))
        .map_err(|e| anyhow!("{e:?}"))?;
    let names = b.groups.clone();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 || i as usize >= names.len() {
                return String::new();
            }
            names[names.len() - 1 - i as usize].clone()
        })
        .y_label_style(("sans-serif", 13))
        .x_labels(12)
        .x_desc("median time ÷ native median (1.0 = native speed)")
        .draw()
        .map_err(|e| anyhow!("{e:?}"))?;
    let k = b.series.len().max(1) as f64;
    let h = 0.8 / k;
    let mut labels = Vec::new();
    for (s, (legend, colour, values)) in b.series.iter().enumerate() {
        let colour = *colour;
        let rects = values.iter().enumerate().filter_map(move |(g, v)| {
            let v = (*v)?;
            let centre = (n - 1 - g) as f64;
            let top = centre + 0.4 - s as f64 * h;
            Some(Rectangle::new(
                [(0.0, top - h), (v.min(xmax), top)],
                colour.filled(),
            ))
        });
        let cut = values.iter().enumerate().filter_map(move |(g, v)| {
            let v = (*v).filter(|v| *v > xmax)?;
            let top = (n - 1 - g) as f64 + 0.4 - s as f64 * h;
            Some(Text::new(
                format!("{v:.1}×"),
                (xmax * 0.93, top),
                ("sans-serif", 11).into_font().color(&BLACK),
            ))
        });
        labels.extend(cut);
        chart
            .draw_series(rects)
            .map_err(|e| anyhow!("{e:?}"))?
            .label(legend.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart.draw_series(labels).map_err(|e| anyhow!("{e:?}"))?;
    chart
        .draw_series(LineSeries::new(
            [(1.0, -0.5), (1.0, n as f64 - 0.5)],
            BLACK.stroke_width(2),
        ))
        .map_err(|e| anyhow!("{e:?}"))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| anyhow!("{e:?}"))?;
    root.present().map_err(|e| anyhow!("{e:?}"))?;
    Ok(())
}
