//! `causeway message`: pack, unpack and hash messages exactly as the Mailbox does.

use causeway_core::{Message, message::MESSAGE_VERSION, vectors::MessageVector};
use clap::{Args, Subcommand};

use crate::{Failure, cmd::print_json, input};

#[derive(Debug, Subcommand)]
pub(crate) enum MessageCommand {
    /// Pack a message from its fields; prints the packed hex and the id.
    Encode(EncodeArgs),
    /// Unpack a packed message (hex) and show its fields and id.
    Decode {
        /// Packed message, 0x-prefixed hex.
        packed: String,
    },
    /// The id (keccak256) of a packed message.
    Id {
        /// Packed message, 0x-prefixed hex.
        packed: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct EncodeArgs {
    /// Position in the origin's outbox.
    #[arg(long)]
    nonce: u32,
    /// Origin domain id.
    #[arg(long)]
    origin: u32,
    /// Sender: a 20-byte EVM address or a 32-byte account, hex.
    #[arg(long)]
    sender: String,
    /// Destination domain id.
    #[arg(long)]
    destination: u32,
    /// Recipient: a 20-byte EVM address or a 32-byte account, hex.
    #[arg(long)]
    recipient: String,
    /// Body as hex.
    #[arg(long, conflicts_with_all = ["body_text", "body_file"], default_value = "0x")]
    body: String,
    /// Body as UTF-8 text.
    #[arg(long, conflicts_with = "body_file")]
    body_text: Option<String>,
    /// Body read from a file, as raw bytes (for bodies too large for an argument).
    #[arg(long)]
    body_file: Option<std::path::PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: MessageCommand) -> Result<(), Failure> {
    match command {
        MessageCommand::Encode(args) => {
            let sender = input::account("--sender", &args.sender).map_err(Failure::invalid)?;
            let recipient =
                input::account("--recipient", &args.recipient).map_err(Failure::invalid)?;
            let body = match (args.body_text, args.body_file) {
                (Some(text), _) => text.into_bytes(),
                (None, Some(path)) => std::fs::read(&path).map_err(|e| {
                    Failure::invalid(eyre::eyre!("cannot read --body-file {}: {e}", path.display()))
                })?,
                (None, None) => input::hex_bytes("--body", &args.body).map_err(Failure::invalid)?,
            };
            let message =
                Message::new(args.nonce, args.origin, sender, args.destination, recipient, body)
                    .map_err(Failure::invalid)?;
            if args.json {
                print_json(&MessageVector::from(&message))
            } else {
                println!("packed {}", causeway_core::Bytes::from(message.encode()));
                println!("id     {}", message.id());
                Ok(())
            }
        }
        MessageCommand::Decode { packed } => {
            let message = decode(&packed)?;
            print_json(&MessageVector::from(&message))
        }
        MessageCommand::Id { packed } => {
            println!("{}", decode(&packed)?.id());
            Ok(())
        }
    }
}

fn decode(packed: &str) -> Result<Message, Failure> {
    let bytes = input::hex_bytes("packed message", packed).map_err(Failure::invalid)?;
    Message::decode(&bytes).map_err(|e| {
        Failure::invalid(eyre::eyre!(
            "packed message: {e} (this tool reads version {MESSAGE_VERSION})"
        ))
    })
}
