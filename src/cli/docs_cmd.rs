//! `insights completions SHELL` and `insights man [COMMAND]`: the command line's own description, for shells and man.

use std::io::Write;

use anyhow::{anyhow, Result};
use clap::Args;
use clap_complete::Shell;

/// Examples shown under `insights completions --help`.
pub const COMPLETIONS_EXAMPLES: &str = "Examples:
  insights completions bash > ~/.local/share/bash-completion/completions/insights
  insights completions zsh > ~/.zfunc/_insights          (with fpath+=~/.zfunc in ~/.zshrc)
  insights completions fish > ~/.config/fish/completions/insights.fish";

/// Examples shown under `insights man --help`.
pub const MAN_EXAMPLES: &str = "Examples:
  insights man > ~/.local/share/man/man1/insights.1 && man insights
  insights man similar > ~/.local/share/man/man1/insights-similar.1";

/// `insights completions` options.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// `insights man` options.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// A command whose page to print (default: the page of insights itself, which lists the commands).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Writes the completion script of `cli` (the whole command line) for the shell to stdout.
pub fn completions(args: &CompletionsArgs, mut cli: clap::Command) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "insights", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}

/// Writes the man page of `cli` (the whole command line), or of one of its commands, to stdout.
pub fn man(args: &ManArgs, command: clap::Command) -> Result<()> {
    let page = match &args.command {
        None => command,
        Some(name) => {
            let names: Vec<String> = command.get_subcommands().map(|c| c.get_name().to_string()).collect();
            let sub = command
                .find_subcommand(name)
                .ok_or_else(|| anyhow!("no command {name:?}; the commands are {}", names.join(", ")))?
                .clone();
            let full = format!("insights-{}", sub.get_name());
            sub.name(full)
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}
