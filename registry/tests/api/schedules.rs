//! Schedules: recurring runs of an enablement. Firing is driven here by calling `fire_due`
//! with a chosen `now`, as `kiln serve`'s loop does with the clock's; two app states on one
//! database stand for two servers.

use std::sync::Arc;

use axum::http::Method;
use kiln_registry::extract::Paged;
use kiln_registry::routes::schedules::Schedule;
use kiln_registry::schedules::{Fired, SchedulerConfig, fire_due};
use kiln_registry::state::AppState;
use kiln_registry::store::runs::{RunRecord, RunState};
use kiln_registry::store::schedules::{Outcome, TickRecord};
use serde_json::{Value, json};

use crate::common::{Actor, TestApp};
use crate::quotas::{publish_good, set_quotas};

crate::both! {
    a_due_tick_queues_one_run_that_a_worker_runs => fires_once;
    two_servers_racing_for_the_same_ticks_make_one_run_per_tick => racing_servers;
    a_tick_already_claimed_is_not_fired_again => claimed_tick;
    a_paused_schedule_does_not_fire_until_resumed => pause_resume;
    after_downtime_skip_runs_nothing_and_once_runs_once => catch_up;
    a_tick_refused_by_quota_is_recorded_and_not_retried => quota_refusal;
    a_disabled_enablements_schedule_records_refusals_and_queues_nothing => disabled_enablement;
    schedules_default_to_shanghai_and_show_their_next_fire_times => shanghai;
    bad_expressions_zones_and_other_tenants_get_typed_problems => refusals;
    a_deleted_schedule_never_fires_and_every_change_is_audited => delete_and_audit;
}

const HOUR: i64 = 3_600_000;

/// One pass of the scheduler of `state` at `now`.
async fn fire(state: &AppState, now: i64) -> Fired {
    fire_due(&state.store, &state.limits, &SchedulerConfig::default(), now).await.unwrap()
}

fn fired(queued: usize, refused: usize, skipped: usize) -> Fired {
    Fired { queued, refused, skipped, raced: 0, failed: 0 }
}

/// Creates a schedule of `admin`'s tenant; asserts 201.
async fn create(app: &TestApp, admin: &Actor, body: Value) -> Schedule {
    let tenant = admin.tenant.as_deref().unwrap();
    app.post(&format!("/v1/tenants/{tenant}/schedules"), &admin.token, body).await.expect(201).read()
}

async fn show(app: &TestApp, id: &str) -> Schedule {
    app.get(&format!("/v1/tenants/t1/schedules/{id}"), &app.enterprise.token).await.expect(200).read()
}

async fn ticks(app: &TestApp, id: &str) -> Vec<TickRecord> {
    let page: Paged<TickRecord> =
        app.get(&format!("/v1/tenants/t1/schedules/{id}/ticks"), &app.enterprise.token).await.expect(200).read();
    page.items
}

/// The tenant's runs made by schedule `id`.
async fn runs_of(app: &TestApp, id: &str) -> Vec<RunRecord> {
    let page: Paged<RunRecord> =
        app.get("/v1/tenants/t1/runs?per_page=200", &app.enterprise.token).await.expect(200).read();
    page.items.into_iter().filter(|r| r.created_by == format!("schedule:{id}")).collect()
}

/// An hourly schedule of a fresh `good` enablement of tenant t1, and its first tick.
async fn hourly(app: &TestApp, extra: Value) -> (Schedule, i64) {
    let enablement = publish_good(app, &app.enterprise).await;
    let mut body = json!({"enablement": enablement, "cron": "0 * * * *"});
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    let s = create(app, &app.enterprise, body).await;
    let first = s.next_fire_at.unwrap();
    (s, first)
}

async fn verify_audit(app: &TestApp) {
    let verdict = app.post_empty("/v1/audit/verify", &app.operator.token).await.expect(200).json();
    assert_eq!(verdict["ok"], true, "{verdict}");
}

async fn fires_once(app: TestApp) {
    let (s, first) = hourly(&app, json!({})).await;
    assert_eq!(first % HOUR, 0, "an hourly tick is on the hour: {s:?}");
    assert_eq!(fire(&app.state, first - 1).await, Fired::default(), "fired before its tick");
    assert_eq!(fire(&app.state, first + 1_500).await, fired(1, 0, 0));
    // Its tick is done: firing again at the same time or a little later does nothing.
    assert_eq!(fire(&app.state, first + 1_500).await, Fired::default());
    assert_eq!(fire(&app.state, first + 60_000).await, Fired::default());

    let runs = runs_of(&app, &s.id).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(
        (run.mode.as_str(), run.state, run.enablement.as_str()),
        ("queued", RunState::Queued, s.enablement.as_str())
    );
    let after = show(&app, &s.id).await;
    assert_eq!((after.next_fire_at, after.last_tick_at), (Some(first + HOUR), Some(first)));
    let t = ticks(&app, &s.id).await;
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].tick, t[0].ticks, t[0].outcome, t[0].run.as_deref()),
        (first, 1, Outcome::Queued, Some(run.id.as_str()))
    );
    // The run was submitted like any other: audited as `run.submit`, by the schedule.
    let audit = app.get(&format!("/v1/audit?actor=schedule:{}", s.id), &app.operator.token).await.expect(200).json();
    assert_eq!(audit[0]["action"], "run.submit", "{audit}");
    assert_eq!(audit[0]["subject"], format!("t1/run:{}", run.id));
    // And a worker picks it up as usual.
    let worker = app.worker("w1", 5_000);
    let done = app.finished(&app.enterprise, &run.id).await;
    worker.abort();
    assert_eq!(done.state, RunState::Succeeded, "{done:?}");
    verify_audit(&app).await;
}

async fn racing_servers(app: TestApp) {
    const SCHEDULES: usize = 3;
    const TICKS: i64 = 5;
    let enablement = publish_good(&app, &app.enterprise).await;
    let mut ids = Vec::new();
    for _ in 0..SCHEDULES {
        ids.push(create(&app, &app.enterprise, json!({"enablement": enablement, "cron": "0 * * * *"})).await);
    }
    let first = ids.iter().map(|s| s.next_fire_at.unwrap()).max().unwrap();
    let servers = Arc::new([app.state.clone(), app.another_server().await]);
    for k in 0..TICKS {
        let now = first + k * HOUR + 500;
        let barrier = Arc::new(tokio::sync::Barrier::new(servers.len()));
        let tasks: Vec<_> = (0..servers.len())
            .map(|i| {
                let (servers, barrier) = (servers.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    fire(&servers[i], now).await
                })
            })
            .collect();
        let mut queued = 0;
        for task in tasks {
            let f = task.await.unwrap();
            assert_eq!((f.refused, f.skipped, f.failed), (0, 0, 0), "{f:?}");
            queued += f.queued;
        }
        assert_eq!(queued, SCHEDULES, "tick {k}: one run per schedule and tick, whichever server fired it");
    }
    for s in &ids {
        let runs = runs_of(&app, &s.id).await;
        assert_eq!(runs.len(), TICKS as usize, "schedule {}: {runs:?}", s.id);
        let t = ticks(&app, &s.id).await;
        let mut fired: Vec<i64> = t.iter().map(|t| t.tick).collect();
        fired.sort_unstable();
        assert_eq!(fired, (0..TICKS).map(|k| first + k * HOUR).collect::<Vec<_>>(), "{t:?}");
        assert!(t.iter().all(|t| t.outcome == Outcome::Queued && t.ticks == 1), "{t:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM runs").await, (SCHEDULES as i64) * TICKS);
    verify_audit(&app).await;
}

/// The `(schedule, tick)` row is the last word: a server that acts on a tick another server
/// already claimed (as if it read the schedule before that firing committed) does nothing.
async fn claimed_tick(app: TestApp) {
    let (s, first) = hourly(&app, json!({})).await;
    app.exec(&format!(
        "INSERT INTO schedule_ticks (schedule, tick, tenant, last_tick, ticks, outcome, run, problem, reason, fired_at) \
         VALUES ('{}', {first}, 't1', {first}, 1, 'queued', NULL, NULL, NULL, {first})",
        s.id
    ))
    .await;
    let audit = app.audit_rows().await;
    let f = fire(&app.state, first + 1_000).await;
    assert_eq!((f.queued, f.raced), (0, 1), "{f:?}");
    assert!(runs_of(&app, &s.id).await.is_empty());
    assert_eq!(app.audit_rows().await, audit, "a lost race left an audit entry");
    assert_eq!(show(&app, &s.id).await.next_fire_at, Some(first), "a lost race moved the schedule on");
}

async fn pause_resume(app: TestApp) {
    let (s, first) = hourly(&app, json!({})).await;
    let path = format!("/v1/tenants/t1/schedules/{}", s.id);
    let erin = &app.enterprise.token;
    let paused: Schedule = app.post_empty(&format!("{path}/pause"), erin).await.expect(200).read();
    assert!(paused.paused && paused.next_fire_at.is_none() && paused.next_fires.is_empty(), "{paused:?}");
    // Pausing again changes nothing and writes nothing.
    let audit = app.audit_rows().await;
    assert_eq!(app.post_empty(&format!("{path}/pause"), erin).await.expect(200).read::<Schedule>(), paused);
    assert_eq!(app.audit_rows().await, audit);
    for k in 0..3 {
        assert_eq!(fire(&app.state, first + k * HOUR + 1_000).await, Fired::default(), "a paused schedule fired");
    }
    assert!(runs_of(&app, &s.id).await.is_empty());

    let resumed: Schedule = app.post_empty(&format!("{path}/resume"), erin).await.expect(200).read();
    assert!(!resumed.paused, "{resumed:?}");
    // It goes on from the first tick after the resume, not with the ticks it was paused over.
    let next = resumed.next_fire_at.unwrap();
    assert!(next > kiln_registry::store::now_ms() - HOUR && next % HOUR == 0, "{resumed:?}");
    assert_eq!(resumed.next_fires.len(), 5);
    assert_eq!(fire(&app.state, next + 1_000).await, fired(1, 0, 0));
    assert_eq!(runs_of(&app, &s.id).await.len(), 1);
}

async fn catch_up(app: TestApp) {
    let (skip, first) = hourly(&app, json!({"catch_up": "skip"})).await;
    let enablement = skip.enablement.clone();
    let once =
        create(&app, &app.enterprise, json!({"enablement": enablement, "cron": "0 * * * *", "catch_up": "once"})).await;
    assert_eq!(once.next_fire_at, Some(first));
    // Nothing fired for five and a half hours: six ticks were missed.
    let back = first + 5 * HOUR + 30 * 60_000;
    assert_eq!(fire(&app.state, back).await, fired(1, 0, 1));
    assert!(runs_of(&app, &skip.id).await.is_empty(), "skip ran a missed tick");
    assert_eq!(runs_of(&app, &once.id).await.len(), 1, "once ran other than once");
    let (s, o) = (ticks(&app, &skip.id).await, ticks(&app, &once.id).await);
    assert_eq!((s[0].outcome, s[0].ticks, s[0].tick, s[0].last_tick), (Outcome::Skipped, 6, first, first + 5 * HOUR));
    assert_eq!((o[0].outcome, o[0].ticks, o[0].tick, o[0].last_tick), (Outcome::Queued, 6, first, first + 5 * HOUR));
    assert!(s[0].reason.as_deref().unwrap().contains("6 missed"), "{s:?}");
    // Both go on with the next future tick, which fires as usual.
    for id in [&skip.id, &once.id] {
        assert_eq!(show(&app, id).await.next_fire_at, Some(first + 6 * HOUR));
    }
    assert_eq!(fire(&app.state, first + 6 * HOUR + 2_000).await, fired(2, 0, 0));
    // A tick fired a little late (within the grace) is on time, even for `skip`.
    assert_eq!(fire(&app.state, first + 7 * HOUR + 30_000).await, fired(2, 0, 0));
    assert_eq!(runs_of(&app, &skip.id).await.len(), 2);
    assert_eq!(runs_of(&app, &once.id).await.len(), 3);
    verify_audit(&app).await;
}

async fn quota_refusal(app: TestApp) {
    let (s, first) = hourly(&app, json!({})).await;
    set_quotas(&app, json!({"max_active_runs": 1, "cpu_ms_per_day": 100 * HOUR, "storage_bytes": 1_000_000})).await;
    let holder: RunRecord = app.submit(&app.enterprise, &s.enablement, "queued").await.expect(202).read();
    let audit = app.audit_rows().await;
    assert_eq!(fire(&app.state, first + 1_000).await, fired(0, 1, 0));
    assert!(runs_of(&app, &s.id).await.is_empty());
    let t = ticks(&app, &s.id).await;
    assert_eq!(
        (t[0].outcome, t[0].problem.as_deref(), t[0].run.as_deref()),
        (Outcome::Refused, Some("quota-exceeded"), None)
    );
    assert!(t[0].reason.as_deref().unwrap().contains("quota"), "{t:?}");
    assert_eq!(app.audit_rows().await, audit + 1);
    let entry = app.get("/v1/audit?action=schedule.refuse", &app.operator.token).await.expect(200).json();
    assert_eq!(entry[0]["subject"], format!("t1/schedule:{}", s.id), "{entry}");
    // Not retried: the tick is done, and the schedule went on.
    assert_eq!(fire(&app.state, first + 2_000).await, Fired::default());
    assert_eq!(show(&app, &s.id).await.next_fire_at, Some(first + HOUR));
    // Once the slot is free, the next tick runs.
    app.post_empty(&format!("/v1/tenants/t1/runs/{}/cancel", holder.id), &app.enterprise.token).await.expect(202);
    assert_eq!(fire(&app.state, first + HOUR + 1_000).await, fired(1, 0, 0));
    verify_audit(&app).await;
}

async fn disabled_enablement(app: TestApp) {
    let (s, first) = hourly(&app, json!({})).await;
    app.delete(&format!("/v1/tenants/t1/enablements/{}", s.enablement), &app.enterprise.token).await.expect(200);
    assert_eq!(fire(&app.state, first + 1_000).await, fired(0, 1, 0));
    let t = ticks(&app, &s.id).await;
    assert_eq!((t[0].outcome, t[0].problem.as_deref()), (Outcome::Refused, Some("not-runnable")));
    assert!(runs_of(&app, &s.id).await.is_empty());
    // Turned on again (a PATCH re-resolves it), the schedule's next tick runs.
    let patch = format!("/v1/tenants/t1/enablements/{}", s.enablement);
    app.call(Method::PATCH, &patch, Some(&app.enterprise.token), Some(json!({}))).await.expect(200);
    assert_eq!(fire(&app.state, first + HOUR + 1_000).await, fired(1, 0, 0));
}

async fn shanghai(app: TestApp) {
    let enablement = publish_good(&app, &app.enterprise).await;
    let s = create(&app, &app.enterprise, json!({"enablement": enablement, "cron": "0 8 2 * *"})).await;
    assert_eq!((s.zone.as_str(), s.catch_up.as_str(), s.paused), ("Asia/Shanghai", "skip", false));
    assert_eq!(s.next_fires.len(), 5);
    assert_eq!(s.next_fires[0].at, s.next_fire_at.unwrap());
    for pair in s.next_fires.windows(2) {
        assert!(pair[0].at < pair[1].at, "{s:?}");
    }
    for next in &s.next_fires {
        // 08:00 on the 2nd in Shanghai, which is midnight UTC.
        assert!(next.local.ends_with("-02T08:00:00+08:00"), "{next:?}");
        assert_eq!(next.at % (24 * HOUR), 0, "{next:?}");
    }
    let utc =
        create(&app, &app.enterprise, json!({"enablement": enablement, "cron": "0 8 2 * *", "zone": "UTC"})).await;
    for next in &utc.next_fires {
        // The same wall-clock time in UTC is eight hours later.
        assert!(next.local.ends_with("-02T08:00:00+00:00"), "{next:?}");
        assert_eq!(next.at % (24 * HOUR), 8 * HOUR, "{next:?}");
    }
    let list: Vec<Schedule> = app.get("/v1/tenants/t1/schedules", &app.enterprise.token).await.expect(200).read();
    let mut expected = vec![s, utc];
    expected.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    assert_eq!(list, expected);
}

async fn refusals(app: TestApp) {
    let enablement = publish_good(&app, &app.enterprise).await;
    let path = "/v1/tenants/t1/schedules";
    let erin = &app.enterprise.token;
    let post = |body: Value| app.post(path, erin, body);
    for cron in ["", "* * *", "61 * * * *", "0 0 8 2 * *", "0 8 30 2 *", "every day"] {
        post(json!({"enablement": enablement, "cron": cron})).await.problem(422, "invalid-cron");
    }
    post(json!({"enablement": enablement, "cron": "0 8 * * *", "zone": "Asia/Xian"}))
        .await
        .problem(422, "unknown-zone");
    post(json!({"enablement": enablement, "cron": "0 8 * * *", "catch_up": "twice"}))
        .await
        .problem(422, "invalid-request");
    post(json!({"enablement": enablement, "cron": "0 8 * * *", "when": "now"})).await.problem(422, "invalid-request");
    post(json!({"enablement": "0123456789abcdef", "cron": "0 8 * * *"})).await.problem(404, "not-found");
    assert_eq!(app.count("SELECT COUNT(*) FROM schedules").await, 0, "a refused create left a row");

    // Another tenant's admin sees none of t1's schedules or enablements, through either path.
    let mallory = app.tenant("t2").await;
    let s = create(&app, &app.enterprise, json!({"enablement": enablement, "cron": "0 8 * * *"})).await;
    let other =
        app.post("/v1/tenants/t2/schedules", &mallory.token, json!({"enablement": enablement, "cron": "0 8 * * *"}));
    other.await.problem(404, "not-found");
    for tenant in ["t1", "t2"] {
        let one = format!("/v1/tenants/{tenant}/schedules/{}", s.id);
        app.get(&one, &mallory.token).await.problem(404, "not-found");
        app.get(&format!("{one}/ticks"), &mallory.token).await.problem(404, "not-found");
        app.post_empty(&format!("{one}/pause"), &mallory.token).await.problem(404, "not-found");
        app.post_empty(&format!("{one}/resume"), &mallory.token).await.problem(404, "not-found");
        app.delete(&one, &mallory.token).await.problem(404, "not-found");
    }
    let theirs: Vec<Schedule> = app.get("/v1/tenants/t2/schedules", &mallory.token).await.expect(200).read();
    assert!(theirs.is_empty());
    assert!(!show(&app, &s.id).await.paused, "another tenant paused t1's schedule");
    // Operators and makers manage no tenant's schedules.
    app.get(path, &app.operator.token).await.problem(403, "forbidden");
    app.get(path, &app.maker.token).await.problem(403, "forbidden");
    // A disabled enablement cannot be scheduled.
    app.delete(&format!("/v1/tenants/t1/enablements/{enablement}"), erin).await.expect(200);
    post(json!({"enablement": enablement, "cron": "0 8 * * *"})).await.problem(409, "not-runnable");
}

async fn delete_and_audit(app: TestApp) {
    let enablement = publish_good(&app, &app.enterprise).await;
    let s = create(&app, &app.enterprise, json!({"enablement": enablement, "cron": "0 * * * *", "paused": true})).await;
    let path = format!("/v1/tenants/t1/schedules/{}", s.id);
    let erin = &app.enterprise.token;
    assert!(s.paused && s.next_fire_at.is_none(), "{s:?}");
    let resumed: Schedule = app.post_empty(&format!("{path}/resume"), erin).await.expect(200).read();
    let next = resumed.next_fire_at.unwrap();
    app.delete(&path, erin).await.expect(204);
    app.get(&path, erin).await.problem(404, "not-found");
    app.delete(&path, erin).await.problem(404, "not-found");
    assert_eq!(fire(&app.state, next + 1_000).await, Fired::default(), "a deleted schedule fired");
    let list: Vec<Schedule> = app.get("/v1/tenants/t1/schedules", erin).await.expect(200).read();
    assert!(list.is_empty());
    let subject = format!("t1/schedule:{}", s.id);
    let audit = app.get(&format!("/v1/audit?subject={subject}"), &app.operator.token).await.expect(200).json();
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["schedule.create", "schedule.resume", "schedule.delete"]);
    assert_eq!(audit[0]["actor"], "erin");
    verify_audit(&app).await;
}
