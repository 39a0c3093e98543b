//! What the demo shows at the end: the text summary of the runs and the rollup, and the
//! console's address with its one-time sign-in links.

use anyhow::Context as _;
use kiln_registry::auth::Role;
use kiln_registry::routes::monitoring::Rollup;
use kiln_registry::routes::session::SignInLink;
use kiln_registry::store::runs::RunState;
use serde::Serialize;

use super::examples::MAKER;
use super::runs::Summary;
use super::{DemoArgs, create_token};
use crate::registry::client::Client;
use crate::registry::monitor::{Lang, rollup_text};
use crate::render;

/// Rows of each headline table shown in the text summary.
const HEADLINE_ROWS: usize = 5;

/// The console's address and one-time sign-in links (the `console` of the `--json` document).
#[derive(Debug, Serialize)]
pub(super) struct Console {
    url: String,
    operator_link: String,
    /// The first tenant that ran the plugins (so its pages have runs to show).
    admin_tenant: String,
    admin_link: String,
    admin_token: Option<String>,
    /// The maker who published the examples.
    maker_link: String,
    maker_token: String,
}

/// The console's address and one-time sign-in links for the operator and for the admin of the
/// first tenant that ran the plugins.
pub(super) fn console_links(url: &str, operator: &Client, clients: &[(String, Client)]) -> anyhow::Result<Console> {
    let link = |client: &Client| -> anyhow::Result<String> {
        let made: SignInLink = client.post_empty(&["v1", "session", "links"]).context("making a sign-in link")?;
        Ok(format!("{url}{}", made.path))
    };
    let (tenant, admin) = clients.first().context("no tenant ran the plugins")?;
    let maker_token = create_token(operator, MAKER, Role::Maker, None)?;
    Ok(Console {
        maker_link: link(&operator.with_token(&maker_token))?,
        maker_token,
        url: format!("{url}/"),
        operator_link: link(operator)?,
        admin_tenant: tenant.clone(),
        admin_link: link(admin)?,
        admin_token: admin.token().map(String::from),
    })
}

pub(super) fn print_console(console: &Console) {
    println!("\n== the console: {}", console.url);
    println!("   operator, one-time sign-in:       {}", console.operator_link);
    println!("   admin of tenant {}, one-time sign-in: {}", console.admin_tenant, console.admin_link);
    println!("   maker {MAKER}, one-time sign-in:  {}", console.maker_link);
}

pub(super) fn print_summary(
    args: &DemoArgs,
    url: &str,
    tenants: usize,
    runners: usize,
    summaries: &[Summary],
    rollup: &Rollup,
    pending: &str,
) {
    println!("Kiln demo on {url}: {} enterprises of Xi'an, data in {}", args.enterprises, args.data_dir.display());
    println!(
        "{tenants} tenants filed their monthly reports; {runners} of them ran the {} example plugins through the worker\n",
        summaries.len()
    );
    for s in summaries {
        println!(
            "== {}@{}  {}/{} runs succeeded, {} rows read, {:.1} ms mean wall",
            s.plugin, s.version, s.succeeded, s.runs, s.rows_read, s.mean_wall_ms
        );
        for f in &s.failures {
            println!(
                "   FAILED for tenant {} ({}, {}): {}",
                f.tenant,
                f.state.map_or("unknown", RunState::as_str),
                f.error_kind.as_deref().unwrap_or("-"),
                f.error.as_deref().unwrap_or("no error recorded")
            );
        }
        if s.succeeded == 0 {
            println!("   no run succeeded\n");
            continue;
        }
        println!("   tenant {}:", s.headline_tenant);
        for m in &s.metrics {
            let line = format!("{:<16} {:.4} {}", m.name, m.value.unwrap_or_default(), m.unit);
            println!("   {}", line.trim_end());
        }
        let Some(headline) = &s.headline else {
            println!("   (its output has no `{}` table)\n", s.headline_name);
            continue;
        };
        println!("   {} ({} rows), first {HEADLINE_ROWS}:", headline.name, headline.rows.len());
        for line in render::output_table_text(headline, HEADLINE_ROWS).lines() {
            println!("   {line}");
        }
        println!();
    }
    println!("== the operator's view: monthly reports of every opted-in tenant");
    print!("{}", rollup_text(rollup, Lang::Zh));
    println!("\n== waiting for the operator's review: {pending} (kiln review list; approve or reject it)");
}
