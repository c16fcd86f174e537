//! `calllogs airbyte …` and `calllogs singer …`: the connectors of `calllogs-connect`.

use crate::error::CliError;

pub(crate) fn airbyte(verb: crate::args::AirbyteCommand) -> Result<(), CliError> {
    use crate::args::AirbyteCommand as A;
    use calllogs::connector::airbyte::{self, Command};
    let command = match verb {
        A::Spec => Command::Spec,
        A::Check { config } => Command::Check { config },
        A::Discover { config } => Command::Discover { config },
        A::Read {
            config,
            catalog,
            state,
        } => Command::Read {
            config,
            catalog,
            state,
        },
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    Ok(airbyte::run(
        &command,
        &calllogs::registry::REGISTRY,
        &mut out,
    )?)
}

pub(crate) fn singer(args: crate::args::SingerArgs) -> Result<(), CliError> {
    use calllogs::connector::singer;
    let opts = singer::Options {
        config: args.config,
        state: args.state,
        catalog: args.catalog,
        discover: args.discover,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    Ok(singer::run(&opts, &calllogs::registry::REGISTRY, &mut out)?)
}
