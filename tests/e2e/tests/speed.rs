//! How fast search feels with a large store, measured in the real window
//! for `bench/run`, which passes an NSS database with 2,000 identities in
//! `CERTDESK_BENCH_DB` and copies the `bench …` lines this prints into
//! `docs/benchmarks.md`. It reports and asserts nothing about time, so it is
//! ignored in the test suite. (Launch time is measured by the app itself,
//! without WebDriver: `src-tauri/src/launch.rs`.)

use certdesk_e2e::App;
use serde_json::json;

const ROWS: &str = "return document.querySelectorAll('[role=option]').length";

#[test]
#[ignore = "a benchmark: bench/run runs it"]
fn filter_latency() {
    let db = std::env::var_os("CERTDESK_BENCH_DB").expect("CERTDESK_BENCH_DB names the database (bench/run sets it)");
    let app = App::launch(std::path::Path::new(&db), "en_US.UTF-8");
    app.wait_for("the first rows", || (app.execute(ROWS, json!([])).as_u64()? > 0).then_some(()));

    // From the keystroke's input event to the frame painted after the rows
    // show the core's answer (`main[data-found-for]` names the text they
    // answer), in the page's own clock; `change: false` measures the same
    // wait with nothing to do, the frame pacing of this (virtual) display.
    // Answers (to paint, to the answer's arrival in the page, rows shown), in ms.
    let to_paint = |term: &str, change: bool| -> (f64, f64, u64) {
        let answer = app.execute_async(
            "const [term, change, done] = arguments;
             const box = document.querySelector('input[type=search]');
             const main = document.querySelector('main');
             const want = change ? term.trim() : main.dataset.foundFor;
             const t0 = performance.now();
             let answered = 0;
             const watch = new MutationObserver(() => {
               if (main.dataset.foundFor === want && !answered) answered = performance.now() - t0;
             });
             watch.observe(main, { attributes: true, childList: true, subtree: true });
             if (change) {
               box.value = term;
               box.dispatchEvent(new Event('input', { bubbles: true }));
             }
             // The first frame after the rows answer runs before they are painted, the next after.
             const frame = () => requestAnimationFrame(() => {
               if (main.dataset.foundFor !== want) return frame();
               requestAnimationFrame(() => {
                 watch.disconnect();
                 done([performance.now() - t0, document.querySelectorAll('[role=option]').length, answered]);
               });
             });
             frame();",
            json!([term, change]),
        );
        (answer[0].as_f64().unwrap(), answer[2].as_f64().unwrap(), answer[1].as_u64().unwrap())
    };
    let median = |mut samples: Vec<f64>| {
        samples.sort_by(f64::total_cmp);
        (samples[samples.len() / 2], samples[samples.len() - 1])
    };
    let terms = ["person1", "person12", "person123", "", "Bench", "nobody", "", "person2", ""];
    let (mut filtered, mut answered) = (Vec::new(), Vec::new());
    for term in terms {
        let (painted, arrived, shown) = to_paint(term, true);
        if term == "nobody" {
            assert_eq!(shown, 0, "the filter ran");
        }
        filtered.push(painted);
        answered.push(arrived);
    }
    let idle: Vec<f64> = terms.iter().map(|_| to_paint("", false).0).collect();
    let ((filter_median, filter_max), (idle_median, _)) = (median(filtered), median(idle));
    println!("bench app_filter_to_paint_ms_median={filter_median:.1}");
    println!("bench app_filter_to_paint_ms_max={filter_max:.1}");
    println!("bench app_idle_two_frames_ms_median={idle_median:.1}");
    println!("bench app_filter_answered_ms_median={:.1}", median(answered).0);
}
