//! Racing publishes of one version.

use axum::body::Body;
use axum::http::{Request, header};

use crate::common::{TestApp, send, version_path};

crate::both! {
    twenty_concurrent_publishes_of_one_version_create_it_exactly_once => race;
    concurrent_approvals_and_rejections_decide_a_version_exactly_once => review_race;
}

async fn race(app: TestApp) {
    const N: usize = 20;
    let p = app.publish_of(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let body = serde_json::to_vec(&p.body()).unwrap();
    let audit_before = app.audit_rows().await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let router = app.router.clone();
            let barrier = barrier.clone();
            let req = Request::post(p.path())
                .header(header::AUTHORIZATION, format!("Bearer {}", app.maker.token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            tokio::spawn(async move {
                barrier.wait().await;
                send(router, req).await
            })
        })
        .collect();
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        let resp = task.await.unwrap();
        match resp.status.as_u16() {
            201 => created += 1,
            409 => {
                resp.problem(409, "conflict");
                refused += 1;
            }
            // One maker may hold only its share of the load slots; the rest are told to retry.
            503 => {
                resp.problem(503, "busy");
                refused += 1;
            }
            other => panic!("a racing publish got {other}: {}", resp.text()),
        }
    }
    assert_eq!((created, refused), (1, N - 1));
    assert_eq!(app.version_rows().await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM plugins").await, 1);
    let entries = app.get(&format!("/v1/audit?after={audit_before}"), &app.operator.token).await.expect(200).json();
    let publishes = entries.as_array().unwrap().iter().filter(|e| e["action"] == "version.publish").count();
    assert_eq!(publishes, 1, "{entries}");
    assert_eq!(app.audit_rows().await, audit_before + 1);
    let verdict = kiln_registry::audit::verify(&app.db).await.unwrap();
    assert_eq!(verdict, kiln_registry::store::audit::Verdict::Intact { entries: audit_before + 1 });
}

async fn review_race(app: TestApp) {
    const N: usize = 10;
    let v = app.publish(&app.maker, "acme", &kiln_test_guests::bytes(kiln_test_guests::GOOD)).await;
    let path = version_path(&v);
    let audit_before = app.audit_rows().await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let (router, barrier) = (app.router.clone(), barrier.clone());
            let (action, body) =
                if i % 2 == 0 { ("approve", Body::empty()) } else { ("reject", Body::from(r#"{"reason":"no"}"#)) };
            let req = Request::post(format!("{path}/{action}"))
                .header(header::AUTHORIZATION, format!("Bearer {}", app.operator.token))
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .unwrap();
            tokio::spawn(async move {
                barrier.wait().await;
                send(router, req).await
            })
        })
        .collect();
    let mut decided = Vec::new();
    for task in tasks {
        let resp = task.await.unwrap();
        match resp.status.as_u16() {
            200 => decided.push(resp.json()["status"].as_str().unwrap().to_string()),
            409 => drop(resp.problem(409, "conflict")),
            other => panic!("a racing decision got {other}: {}", resp.text()),
        }
    }
    assert_eq!(decided.len(), 1, "exactly one decision wins: {decided:?}");
    let stored = app.get(&path, &app.operator.token).await.expect(200).json();
    assert_eq!(stored["status"], decided[0].as_str(), "the stored status is the winner's");
    assert_eq!(app.audit_rows().await, audit_before + 1, "exactly one decision is audited");
}
