//! `causeway tree`: the outbox tree as operators and relayers compute it, for debugging a
//! stuck message: which root a set of leaves gives at a count, the proof of one leaf, and
//! whether a proof holds against a root.

use std::path::PathBuf;

use causeway_core::{B256, Branch, MerkleTree, TREE_DEPTH, branch_root};
use clap::{Args, Subcommand};
use eyre::eyre;
use serde::{Deserialize, Serialize};

use crate::{Failure, cmd::print_json, input};

#[derive(Debug, Subcommand)]
pub(crate) enum TreeCommand {
    /// The root of the tree of the given leaves (or of its first COUNT leaves).
    Root(LeavesArgs),
    /// The proof of one leaf against the root at COUNT leaves (default: all), as JSON.
    Proof {
        #[command(flatten)]
        leaves: LeavesArgs,
        /// Leaf index to prove.
        #[arg(long)]
        index: u64,
    },
    /// Check a proof: does LEAF at INDEX with BRANCH give ROOT? Exit 0 if valid, 1 if not.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct LeavesArgs {
    /// File with one 32-byte hex leaf per line (`-` for stdin).
    #[arg(long, conflicts_with = "leaf")]
    leaves: Option<PathBuf>,
    /// Leaves given directly, in order.
    #[arg(long = "leaf", num_args = 1..)]
    leaf: Vec<String>,
    /// Use only the first COUNT leaves (the tree as an operator signed it).
    #[arg(long)]
    count: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A proof as printed by `causeway tree proof` (leaf, index, root, branch).
    #[arg(long)]
    proof: Option<PathBuf>,
    /// The leaf (message id); overrides the proof file's.
    #[arg(long)]
    leaf: Option<String>,
    /// The leaf index; overrides the proof file's.
    #[arg(long)]
    index: Option<u32>,
    /// The root to check against (e.g. the one the checkpoint signed); overrides the file's.
    #[arg(long)]
    root: Option<String>,
    /// The 32 branch hashes, comma-separated; overrides the file's.
    #[arg(long, value_delimiter = ',')]
    branch: Vec<String>,
}

/// A proof as printed by `tree proof` and read by `tree verify`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofFile {
    leaf: B256,
    index: u64,
    count: u64,
    root: B256,
    branch: Vec<B256>,
}

#[derive(Debug, Serialize)]
struct RootShown {
    count: u64,
    root: B256,
}

pub(crate) fn run(command: TreeCommand) -> Result<(), Failure> {
    match command {
        TreeCommand::Root(args) => {
            let (tree, count) = build(&args)?;
            print_json(&RootShown { count, root: tree.root_at(count)? })
        }
        TreeCommand::Proof { leaves, index } => {
            let (tree, count) = build(&leaves)?;
            let branch = tree.proof_at(index, count).map_err(Failure::invalid)?;
            let leaf = tree.leaf(index).ok_or_else(|| eyre!("leaf {index} missing"))?;
            print_json(&ProofFile {
                leaf,
                index,
                count,
                root: tree.root_at(count)?,
                branch: branch.to_vec(),
            })
        }
        TreeCommand::Verify(args) => verify(&args),
    }
}

fn build(args: &LeavesArgs) -> Result<(MerkleTree, u64), Failure> {
    let leaves = match &args.leaves {
        Some(path) => input::leaves_file(path).map_err(Failure::invalid)?,
        None if !args.leaf.is_empty() => args
            .leaf
            .iter()
            .enumerate()
            .map(|(i, l)| input::b256(&format!("--leaf #{}", i + 1), l))
            .collect::<eyre::Result<_>>()
            .map_err(Failure::invalid)?,
        None => {
            return Err(Failure::invalid(eyre!(
                "give the leaves with --leaves FILE or --leaf HEX…"
            )));
        }
    };
    let available = leaves.len() as u64;
    let tree = MerkleTree::from_leaves(leaves)?;
    let count = args.count.unwrap_or(available);
    if count > available {
        return Err(Failure::invalid(eyre!(
            "--count {count} is more than the {available} leaves given"
        )));
    }
    Ok((tree, count))
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    let file = match &args.proof {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::invalid(eyre!("cannot read proof file {}: {e}", path.display()))
            })?;
            Some(
                serde_json::from_str::<ProofFile>(&text)
                    .map_err(|e| Failure::invalid(eyre!("proof file {}: {e}", path.display())))?,
            )
        }
        None => None,
    };
    let pick =
        |flag: &Option<String>, name: &str, from_file: Option<B256>| -> Result<B256, Failure> {
            match (flag, from_file) {
                (Some(hex), _) => input::b256(name, hex).map_err(Failure::invalid),
                (None, Some(v)) => Ok(v),
                (None, None) => Err(Failure::invalid(eyre!("{name} is required without --proof"))),
            }
        };
    let leaf = pick(&args.leaf, "--leaf", file.as_ref().map(|f| f.leaf))?;
    let root = pick(&args.root, "--root", file.as_ref().map(|f| f.root))?;
    let index = match (args.index, file.as_ref()) {
        (Some(i), _) => i,
        (None, Some(f)) => u32::try_from(f.index).map_err(|_| {
            Failure::invalid(eyre!("index {} does not fit the 32-bit tree", f.index))
        })?,
        (None, None) => return Err(Failure::invalid(eyre!("--index is required without --proof"))),
    };
    let hashes: Vec<B256> = if !args.branch.is_empty() {
        args.branch
            .iter()
            .enumerate()
            .map(|(i, h)| input::b256(&format!("--branch element {i}"), h))
            .collect::<eyre::Result<_>>()
            .map_err(Failure::invalid)?
    } else if let Some(f) = &file {
        f.branch.clone()
    } else {
        return Err(Failure::invalid(eyre!("--branch is required without --proof")));
    };
    let branch: Branch = hashes.try_into().map_err(|h: Vec<B256>| {
        Failure::invalid(eyre!("branch has {} hashes; a proof has exactly {TREE_DEPTH}", h.len()))
    })?;
    let computed = branch_root(leaf, &branch, index);
    if computed == root {
        println!("valid: leaf {leaf} at index {index} is in root {root}");
        Ok(())
    } else {
        Err(Failure::from(eyre!(
            "INVALID: leaf {leaf} at index {index} with this branch gives root {computed}, not {root}"
        )))
    }
}
