//! The control plane with 1,000 stored functions, and start-up with them.

use super::bench::*;
use super::machine::*;
use crate::api;
use crate::fixtures;
use crate::http::Conn;
use crate::laminar::Laminar;
use crate::report::{Figure, Floor, Target};
use crate::stats::{ms, summarize};
use crate::Result;
use std::time::{Duration, Instant};

impl Bench {
    pub(super) async fn control_suite(&mut self) -> Result<()> {
        let temp = tempfile::Builder::new()
            .prefix("laminar-bench-")
            .tempdir()?;
        let root = temp.path().to_path_buf();
        progress("start-up with an empty --data-dir");
        let runs = self.counts.startup_runs;
        let (startup, _, _) = self
            .startups(runs, |i| {
                self.launch("process", Some(root.join(format!("empty-{i}"))))
            })
            .await?;
        self.push(Figure::new(
            "startup.data_dir_empty",
            "start-up to first answer (empty --data-dir)",
            "ms",
            summarize(&startup),
        ));

        let state = root.join("state");
        let mut laminar = Laminar::start(&self.launch("process", Some(state.clone()))).await?;
        let mut conn = Conn::connect(laminar.addr).await?;
        let n = self.counts.functions;
        progress(&format!(
            "control plane: creating {n} functions of {} bytes each (--data-dir)",
            self.counts.zip_bytes
        ));
        // A second client reads while the creates write: what a write does to
        // everyone else's latency.
        self.deploy(
            &mut conn,
            "probe",
            "python3.11",
            "app.handler",
            &fixtures::python_zip()?,
        )
        .await?;
        let probe = Probe::start(
            laminar.addr,
            api::function_path("probe"),
            Duration::from_millis(2),
        );
        let creates = self.creates(&mut conn, "fn", n).await?;
        let probed = probe.finish();
        self.push(
            Figure::new(
                "create.data_dir",
                "CreateFunction, 1 MB zip (--data-dir)",
                "ms",
                summarize(&creates),
            )
            .target(Target::at_most("≤ 5 ms", 5.0))
            .note(format!(
                "all {n} creates, the store growing from 0 to {n} functions"
            )),
        );
        self.push(
            Figure::new(
                "get_function.during_creates",
                "GetFunction while CreateFunction runs (another client)",
                "ms",
                summarize(&probed),
            )
            .note(
                "every 2 ms from a second connection on its own thread, during the creates above",
            ),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = laminar
            .memory_kib()
            .ok_or("laminar's /proc status is gone")?;
        self.push(
            Figure::new(
                "rss.functions",
                &format!("laminar RSS after creating {n} functions of 1 MB"),
                "MiB",
                summarize(&[mib(after.rss_kib)]),
            )
            .target(Target::at_most("≤ 40 MB", 40.0))
            .note(format!("peak (VmHWM) {:.1} MiB", mib(after.hwm_kib))),
        );

        progress("control plane: GetFunction, ListFunctions");
        let mut get = Vec::with_capacity(self.counts.get_runs);
        for _ in 0..self.counts.get_runs {
            let name = format!("fn-{:05}", self.noise.below(n));
            let begun = Instant::now();
            let answer = api::get_function(&mut conn, &name).await?;
            get.push(ms(begun.elapsed()));
            api::expect(answer, 200, "GetFunction")?;
        }
        self.push(
            Figure::new("get_function", "GetFunction", "ms", summarize(&get))
                .target(
                    Target::at_most("≤ 0.1 ms (≤ 2× one-hop floor)", 0.1)
                        .or_floor(2.0, Floor::OneHop),
                )
                .note(format!("random names among {n}")),
        );

        let first_page = "/2015-03-31/functions?MaxItems=50";
        let mut page = Vec::with_capacity(self.counts.list_page_runs);
        for _ in 0..self.counts.list_page_runs {
            let begun = Instant::now();
            let answer = conn.get(first_page).await?;
            page.push(ms(begun.elapsed()));
            api::expect(answer, 200, "ListFunctions")?;
        }
        self.push(
            Figure::new(
                "list.page",
                &format!("ListFunctions, one page of 50 ({n} functions)"),
                "ms",
                summarize(&page),
            )
            .target(Target::at_most("≤ 10 ms", 10.0)),
        );

        let mut walk = Vec::with_capacity(self.counts.list_walk_runs);
        let (mut pages_per_walk, mut listed) = (0, 0);
        // The first walk checks that every function is listed (untimed).
        for verify in
            std::iter::once(true).chain(std::iter::repeat_n(false, self.counts.list_walk_runs))
        {
            let begun = Instant::now();
            let (mut seen, mut pages, mut marker) = (0usize, 0usize, None::<String>);
            loop {
                let path = match &marker {
                    Some(m) => format!("{first_page}&Marker={m}"),
                    None => first_page.to_string(),
                };
                let answer = api::expect(conn.get(&path).await?, 200, "ListFunctions")?;
                pages += 1;
                if verify {
                    let doc = answer.json()?;
                    seen += doc["Functions"].as_array().map_or(0, Vec::len);
                }
                // Only the marker is needed to go on: parsing the whole page
                // here would time this client's JSON parser, not laminar.
                marker = api::next_marker(&answer.body);
                if marker.is_none() {
                    break;
                }
            }
            if verify {
                if seen < n {
                    return Err(format!("a ListFunctions walk saw {seen} of {n} functions").into());
                }
                listed = seen;
            } else {
                walk.push(ms(begun.elapsed()));
            }
            pages_per_walk = pages;
        }
        self.push(
            Figure::new(
                "list.walk",
                &format!("ListFunctions, all {listed} functions ({pages_per_walk} pages of 50)"),
                "ms",
                summarize(&walk),
            )
            .target(Target::at_most("≤ 10 ms", 10.0))
            .note("one full walk, pages fetched one after the other on one connection; the functions are the 1 MB ones and the probe's"),
        );
        laminar.stop(Duration::from_secs(20))?;

        progress(&format!("start-up with {n} persisted functions"));
        let (startup, idle, _) = self
            .startups(runs, |_| self.launch("process", Some(state.clone())))
            .await?;
        self.push(
            Figure::new(
                "startup.persisted",
                &format!("start-up to first answer ({n} persisted functions)"),
                "ms",
                summarize(&startup),
            )
            .target(Target::at_most("≤ 50 ms", 50.0)),
        );
        self.push(
            Figure::new(
                "rss.persisted",
                &format!("laminar RSS idle after a restart with {n} persisted functions"),
                "MiB",
                summarize(&idle),
            )
            .target(Target::at_most("≤ 40 MB", 40.0)),
        );
        drop(temp);
        Ok(())
    }
}
