//! Corrupt stored rows (unparsable JSON, unknown enum spellings) are `internal` errors, never
//! a "not found" or a silent default that passes for real data.

use crate::common::TestApp;
use crate::quotas::publish_good;

crate::both! {
    corrupt_stored_rows_are_internal_errors => corrupt_rows;
}

async fn corrupt_rows(app: TestApp) {
    let erin = &app.enterprise;
    let enablement = publish_good(&app, erin).await;
    let run = app.submit(erin, &enablement, "queued").await.expect(202).json();
    let id = run["id"].as_str().unwrap().to_string();
    let run_path = format!("/v1/tenants/t1/runs/{id}");
    let enablement_path = format!("/v1/tenants/t1/enablements/{enablement}");
    let run_key = format!("id = '{id}'");
    let enablement_key = format!("id = '{enablement}'");
    let dataset_key = "name = 'readings'".to_string();
    // (table, column, the row, a corrupt value, a route that reads the row)
    let cases = [
        ("runs", "limits", &run_key, "{not json", &run_path),
        ("runs", "params", &run_key, "[1,", &run_path),
        ("runs", "state", &run_key, "exploded", &run_path),
        ("enablements", "status", &enablement_key, "maybe", &enablement_path),
        ("enablements", "grants", &enablement_key, "x", &enablement_path),
        ("datasets", "columns", &dataset_key, "{", &"/v1/tenants/t1/datasets/readings".to_string()),
    ];
    for (table, column, key, corrupt, path) in cases {
        let before: String =
            sqlx::query_scalar(&format!("SELECT {column} FROM {table} WHERE {key}")).fetch_one(&app.db).await.unwrap();
        let set = |value: String| {
            let sql = format!("UPDATE {table} SET {column} = $1 WHERE {key}");
            let db = app.db.clone();
            async move { sqlx::query(&sql).bind(value).execute(&db).await.unwrap() }
        };
        set(corrupt.to_string()).await;
        let resp = app.get(path, &erin.token).await;
        assert_eq!(resp.status.as_u16(), 500, "{table}.{column} = {corrupt:?}, GET {path}: {}", resp.text());
        resp.problem(500, "internal");
        set(before).await;
        app.get(path, &erin.token).await.expect(200);
    }
    // An unknown role on a principal fails its requests as internal, not as "unknown token".
    app.exec("UPDATE principals SET role = 'superuser' WHERE name = 'erin'").await;
    app.get("/v1/tokens", &erin.token).await.problem(500, "internal");
}
