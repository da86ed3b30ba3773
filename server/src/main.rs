//! `server` — run the platform, apply migrations, manage accounts.

use clap::{Parser, Subcommand};
use server::config::Settings;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Manage accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a consistent copy of the SQLite database to FILE while the
    /// server keeps serving (PostgreSQL: use pg_dump, see README).
    Backup {
        /// The backup file to create (it must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Put a backup in place of the SQLite database (stop the server first).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Restore over an existing database, which is kept beside it.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff account; the password is read from standard input.
    CreateUser {
        /// `clerk` or `admin`.
        #[arg(long)]
        role: String,
        /// Department code (clerks), e.g. `health`.
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        username: String,
        /// Display name; defaults to the username.
        #[arg(long)]
        name: Option<String>,
    },
}

/// Threads for blocking work (file writes of uploads, password hashing).
/// Tokio's default of 512 let 64 concurrent uploads start ~500 threads,
/// each with its own stack and allocator heap: hundreds of MiB. Work beyond
/// this queues instead (BENCHMARKS.md, "Uploads").
const BLOCKING_THREADS: usize = 32;

fn main() -> std::process::ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build();
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
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
            server::db::migrate(&db, &settings.database_url).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser {
            role,
            department,
            username,
            name,
        }) => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let catalog = server::catalog_loader::load(&settings.catalog_dir)?;
            let db = server::db::connect(&settings.database_url).await?;
            server::db::migrate(&db, &settings.database_url).await?;
            let req = app::api::CreateStaffRequest {
                name: name.unwrap_or_else(|| username.clone()),
                username,
                role,
                department,
                password,
            };
            match server::services::users::create_staff(
                &db,
                &catalog,
                req,
                server::identity::Who::system("cli"),
            )
            .await
            {
                Ok(u) => {
                    println!("created {} {} ({})", u.role, u.username.unwrap_or_default(), u.id);
                    Ok(())
                }
                Err(server::services::ServiceError::Validation(fields)) => {
                    for f in fields {
                        eprintln!("{}: {}", f.field, f.message);
                    }
                    anyhow::bail!("account not created")
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Backup { to } => {
            let live = server::db::backup::sqlite_path(&settings.database_url)?;
            anyhow::ensure!(live.is_file(), "{} does not exist", live.display());
            let db = server::db::connect(&settings.database_url).await?;
            let snapshot = server::db::backup::backup(&db, &to).await;
            db.close().await?;
            println!("backup written to {}: {}", to.display(), snapshot?);
            Ok(())
        }
        Command::Restore { from, replace } => {
            let (snapshot, kept) =
                server::db::backup::restore(&settings.database_url, &from, replace).await?;
            if let Some(kept) = kept {
                println!("the database it replaced is kept as {}", kept.display());
            }
            println!("restored from {}: {snapshot}", from.display());
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
