use clap::Parser;
use kdeck::cmd::cli::{Cli, Command};
use std::io::Write as _;
use std::process::ExitCode;

/// Records are built on the reader thread and freed on the UI thread. glibc's malloc locks the
/// reader's arena for each of those frees, and at a backlog's pace the two threads spent ~15%
/// of their time waiting on each other (futex calls in the profile); mimalloc hands a freed
/// block back to its owning thread without a lock.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if let Some(code) = generated(&cli) {
        return code;
    }
    let args: Vec<String> = std::env::args().collect();
    let json = matches!(&cli.command, Some(Command::Serve(a)) if a.log_json);
    let _log = match kdeck::support::log::init(cli.log_level.as_deref(), &args, json) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("kdeck: --log-level / KDECK_LOG: {e}");
            return ExitCode::from(2);
        }
    };
    match kdeck::cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("exit 2: {e:#}");
            eprintln!("kdeck: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `kdeck completions SHELL` and `kdeck man`: generated text on stdout, before any log
/// file or config is touched.
fn generated(cli: &Cli) -> Option<ExitCode> {
    // Into memory first: the generators panic on a write error (a closed pipe).
    let mut text = Vec::new();
    match &cli.command {
        Some(Command::Completions { shell }) => kdeck::cmd::cli::completions(*shell, &mut text),
        // Writing into a Vec cannot fail.
        Some(Command::Man) => {
            let _ = kdeck::cmd::cli::man(&mut text);
        }
        _ => return None,
    }
    let mut out = std::io::stdout().lock();
    Some(match out.write_all(&text).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kdeck: writing to stdout: {e}");
            ExitCode::from(2)
        }
    })
}

/// clap's message (or help), with any secret from the command line masked: clap echoes a
/// stray argument, and `-X sasl.password S3cr3t` (the `=` forgotten) makes the password one.
fn usage_error(e: &clap::Error) -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let secrets = kdeck::support::redact::secrets_in_args(&args);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let text = kdeck::support::redact::mask(&e.render().to_string(), &secrets);
    if e.use_stderr() {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    ExitCode::from(e.exit_code().clamp(0, 255) as u8)
}
