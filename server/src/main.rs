//! `server` — run the platform, apply migrations, manage accounts.

use clap::{Parser, Subcommand};
use server::config::Settings;

#[derive(Parser)]
#[command(name = "server", about = "OneThing (一件事) platform server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load and validate the catalog, print a summary and exit.
    CheckCatalog,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    server::telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::Application::build(settings).await?.run().await,
        Command::Migrate => {
            let db = server::db::connect(&settings.database_url).await?;
            server::db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CheckCatalog => {
            let c = server::catalog_loader::load(&settings.catalog_dir)?;
            println!(
                "catalog {}: {} bundles, {} items, {} departments",
                c.version,
                c.bundles.len(),
                c.item_count(),
                c.departments.len()
            );
            Ok(())
        }
    }
}
