//! Resolution of every (target platform × requesting rule) pair of a 10,000-package workspace:
//! one [`Resolver`] is built, then each request reuses its precomputed constraint maps and
//! per-type toolchain lists. The test checks the results; the time it prints is a benchmark
//! recorded in BENCHMARKS.md, never asserted.

mod support;

use std::time::Instant;

use support::{l, world};
use toolcheck_resolve::model::{ExecGroupRequest, Known, TypeRequest};
use toolcheck_resolve::{Request, Resolver};

#[test]
fn ten_thousand_packages() {
    let mut text = String::from(
        "setting //c:os = linux mac windows\nsetting //c:cpu default=x86 = x86 arm\nsetting //c:gpu = cuda none\n",
    );
    let oses = ["linux", "mac", "windows"];
    let cpus = ["x86", "arm"];
    for os in oses {
        for cpu in cpus {
            text.push_str(&format!("platform //p:{os}_{cpu} //c:{os} //c:{cpu}\n"));
        }
    }
    text.push_str("platform //p:host //c:linux //c:x86\n");
    text.push_str("exec ws //p:linux_x86 //p:mac_arm //p:windows_x86 //p:linux_arm\n");
    for t in 0..5 {
        text.push_str(&format!("type //types:t{t}\n"));
        for os in oses {
            for cpu in cpus {
                text.push_str(&format!(
                    "toolchain //tc{t}:{os}_{cpu} type=//types:t{t} exec=//c:{os},//c:{cpu} target=//c:{os}\n"
                ));
            }
        }
        text.push_str(&format!("toolchains ws //tc{t}:all\n"));
    }
    // 10,000 packages with a rule each (they only matter as workspace size here).
    for p in 0..10_000 {
        text.push_str(&format!("rule //pkg{p}:lib filegroup\n"));
    }
    let w = world(&text);
    let start = Instant::now();
    let resolver = Resolver::new(
        &w.model,
        &w.input.config,
        &w.input.toolchain_registrations,
        &w.input.exec_platform_registrations,
    );
    let targets: Vec<_> = oses
        .iter()
        .flat_map(|os| cpus.iter().map(move |cpu| l(&format!("//p:{os}_{cpu}"))))
        .collect();
    let mut resolved = 0;
    for p in 0..10_000 {
        let types = (0..(p % 3 + 1))
            .map(|i| TypeRequest {
                toolchain_type: l(&format!("//types:t{}", (p + i) % 5)),
                mandatory: Known::Known(i == 0),
                ignore_if_invalid: false,
            })
            .collect();
        let group = ExecGroupRequest {
            name: None,
            types,
            exec_compatible_with: Known::Known(Vec::new()),
        };
        // Two target platforms per rule: 20,000 resolutions.
        for target in targets.iter().skip(p % 5).take(2) {
            let mut request = Request::new(*target, Vec::new());
            request.trace = false;
            request.exec_groups = vec![group.clone()];
            let res = resolver.resolve(&request);
            if res.groups[0].exec_platform.is_some() {
                resolved += 1;
            }
        }
    }
    let elapsed = start.elapsed();
    assert!(resolved > 0);
    // Timing is measured, not asserted (BENCHMARKS.md records it): run
    // `cargo test --release -p toolcheck-resolve --test performance -- --nocapture`.
    eprintln!("20,000 resolutions: {elapsed:?}, {resolved} resolved");
}
