//! The `insights` command: parses arguments and hands them to the library through `cli`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
