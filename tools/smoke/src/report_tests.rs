use super::*;
use crate::meeting_cost::CostLine;

fn checks() -> Vec<Check> {
    vec![
        Check::pass(Stage::Preflight, "credentials", "arn:aws:iam::123456789012:user/ada"),
        Check::warn(
            Stage::Participant,
            "certificate",
            "not trusted: self-signed",
            "trial mode: set a custom domain",
        ),
        Check::pass(Stage::Participant, "ice candidates", "203.0.113.10:10000/udp"),
    ]
}

#[test]
fn a_check_line_shows_its_hint_below() {
    let check = Check::fail(
        Stage::Participant,
        "config.js",
        "config.bosh points at localhost",
        "set BOSH_RELATIVE",
    );
    assert_eq!(
        check.line(),
        "  FAIL  config.js          config.bosh points at localhost\n        → set BOSH_RELATIVE"
    );
    assert_eq!(
        Check::pass(Stage::Start, "ready", "in 1m40s").line(),
        "  ok    ready              in 1m40s"
    );
}

#[test]
fn the_verdict_fails_on_any_failure_and_counts_warnings() {
    assert_eq!(
        verdict(&checks()),
        Verdict {
            passed: true,
            failed: vec![],
            warnings: 1
        }
    );
    let mut failing = checks();
    failing.push(Check::fail(
        Stage::Stop,
        "nothing left",
        "an Elastic IP is left",
        "release it",
    ));
    let v = verdict(&failing);
    assert!(!v.passed);
    assert_eq!(v.failed, vec!["nothing left".to_string()]);
    assert!(!verdict(&[]).passed, "no check at all is not a pass");
}

#[test]
fn the_summary_has_checks_timings_cost_and_verdict() {
    let timings = vec![
        Timing {
            label: "load balancer done".into(),
            since_click: Duration::from_millis(95_300),
        },
        Timing {
            label: "ready".into(),
            since_click: Duration::from_millis(101_200),
        },
    ];
    let cost = CostBreakdown {
        basis: "(us-east-1 list prices as of 2026-11-23, t.json)".into(),
        lines: vec![CostLine {
            item: "NLB".into(),
            detail: "1 started hour".into(),
            usd: 0.0225,
        }],
        total_usd: 0.0225,
    };
    let checks = checks();
    let text = render(&Summary {
        title: "jitsi-on-demand in us-east-1".into(),
        checks: &checks,
        timings: &timings,
        cost: Some(&cost),
        note: Some("The meeting is still running (--keep).".into()),
        interrupted: false,
    });
    let expected = "
SUMMARY  jitsi-on-demand in us-east-1
  stage        check              result detail
  preflight    credentials        ok     arn:aws:iam::123456789012:user/ada
  participant  certificate        warn   not trusted: self-signed
  participant  ice candidates     ok     203.0.113.10:10000/udp

TIMINGS (from the click on start)
  load balancer done                       1m35s
  ready                                    1m41s

COST OF THIS MEETING  (us-east-1 list prices as of 2026-11-23, t.json)
  NLB            1 started hour                                         $0.0225
  total                                                                 $0.0225

The meeting is still running (--keep).

PASSED: 3 checks, 1 warning
";
    assert_eq!(text, expected);
}

#[test]
fn a_failed_summary_names_the_failures() {
    let mut failing = checks();
    failing.push(Check::fail(Stage::Participant, "bosh", "HTTP 502", "prosody"));
    let text = render(&Summary {
        title: "t".into(),
        checks: &failing,
        timings: &[],
        cost: None,
        note: None,
        interrupted: false,
    });
    assert!(text.ends_with("\nFAILED: 1 of 4 checks (bosh), 1 warning\n"), "{text}");
    assert!(!text.contains("TIMINGS") && !text.contains("COST"));
}

#[test]
fn durations_and_dollars_read_short() {
    assert_eq!(duration(Duration::from_millis(4_230)), "4.2s");
    assert_eq!(duration(Duration::from_secs(185)), "3m05s");
    assert_eq!(duration(Duration::from_secs(3_720)), "1h02m");
    assert_eq!(usd(0.0274861), "$0.0275");
}

#[test]
fn long_details_are_cut_in_the_table() {
    assert_eq!(first_line("one\ntwo", 80), "one");
    assert_eq!(first_line(&"x".repeat(100), 10), format!("{}…", "x".repeat(9)));
}

#[test]
fn an_interrupted_run_is_not_a_pass() {
    let checks = checks();
    let empty = CostBreakdown {
        basis: "(b)".into(),
        lines: vec![],
        total_usd: 0.0,
    };
    let text = render(&Summary {
        title: "t".into(),
        checks: &checks,
        timings: &[],
        cost: Some(&empty),
        note: None,
        interrupted: true,
    });
    assert!(
        text.ends_with("\nINTERRUPTED after 3 checks, 1 warning, none failed\n"),
        "{text}"
    );
    assert!(text.contains("nothing billable came up"), "{text}");
    assert!(text.contains("$0.0000") && !text.contains("$-0"), "{text}");
}
