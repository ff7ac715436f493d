// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumFixture} from "../helpers/QuorumFixture.sol";
import {RefTree} from "../helpers/RefTree.sol";
import {Mailbox} from "../../src/Mailbox.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {CausewayToken} from "../../src/staking/CausewayToken.sol";
import {HandoverLib} from "../../src/staking/HandoverLib.sol";
import {IStakeSlasher, IStakeSource} from "../../src/staking/IStakeSource.sol";
import {RestakingRegistry} from "../../src/staking/RestakingRegistry.sol";
import {StakeVault} from "../../src/staking/StakeVault.sol";

/// @dev Hub deployment (token, vault, hub Mailbox, registry) and operator helpers. The hub
/// Mailbox is the real one (its verifier is the registry); `_hubDispatch` sends real messages
/// on its routes and keeps their leaves, so tests can build branches and past roots.
/// Operator i has staking account `_account(i)` and signing key `_signerKey(i)` (rotated keys
/// use `_signerKey(1000 + i)` and so on).
abstract contract StakingFixture is QuorumFixture {
    uint32 internal constant HUB = 100;
    uint32 internal constant REMOTE = 200;
    uint64 internal constant EPOCH_LENGTH = 1 days;
    uint256 internal constant UNBONDING = 9 days;
    uint256 internal constant MIN_STAKE = 100e18;
    uint256 internal constant STAKE = 1000e18;
    uint16 internal constant THRESHOLD_BPS = 6667;
    uint16 internal constant MIN_SIGNERS = 3;
    uint16 internal constant MAX_OPERATORS = 16;
    uint16 internal constant SLASH_BPS = 5000;
    uint16 internal constant BOUNTY_BPS = 1000;
    uint256 internal constant START = 1_700_000_000;

    address internal treasury = address(0x7EA5);
    address internal reporter = address(0xBEEF);

    CausewayToken internal token;
    StakeVault internal vault;
    RestakingRegistry internal registry;
    Mailbox internal hubMailbox;
    /// @dev Leaves of the hub Mailbox's route tree to each destination, in order.
    mapping(uint32 destination => bytes32[] leaves) internal hubLeaves;

    /// @dev The latest set the registry recorded (kept by `_advance`).
    QuorumLib.OperatorSet internal hubSet;
    mapping(address signer => uint256 key) internal keyOfSigner;

    function _config() internal view returns (RestakingRegistry.Config memory) {
        return RestakingRegistry.Config({
            localDomain: HUB,
            stakeSource: vault,
            mailbox: hubMailbox,
            treasury: treasury,
            maxStaleness: MAX_STALENESS,
            epochLength: EPOCH_LENGTH,
            thresholdBps: THRESHOLD_BPS,
            minSigners: MIN_SIGNERS,
            maxOperators: MAX_OPERATORS,
            slashBps: SLASH_BPS,
            bountyBps: BOUNTY_BPS,
            minStake: MIN_STAKE
        });
    }

    function _deployStaking() internal {
        vm.warp(START);
        token = new CausewayToken(address(this), 1e30);
        vault = new StakeVault(token, UNBONDING);
        // The registry is deployed right after the Mailbox, which takes it as its verifier.
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        hubMailbox = new Mailbox(HUB, IQuorumVerifier(predicted), address(this), address(this));
        registry = new RestakingRegistry(_config());
        assertEq(address(registry), predicted, "registry address");
        vault.setSlasher(IStakeSlasher(address(registry)));
    }

    function _account(uint256 i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("account", i)))));
    }

    function _signerKey(uint256 i) internal pure returns (uint256) {
        return boundKey(uint256(keccak256(abi.encode("signer", i))));
    }

    function _signer(uint256 i) internal pure returns (address) {
        return vm.addr(_signerKey(i));
    }

    function _stake(address account, uint256 amount) internal {
        token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(vault), amount);
        vault.deposit(amount);
        vm.stopPrank();
    }

    function _register(uint256 i) internal {
        _registerWithKey(i, i);
    }

    function _registerWithKey(uint256 i, uint256 keyIndex) internal {
        address signer = _signer(keyIndex);
        keyOfSigner[signer] = _signerKey(keyIndex);
        vm.prank(_account(i));
        registry.registerOperator(signer, string.concat("http://operator-", vm.toString(i), ".test"));
    }

    /// @dev Operators 0..n-1 stake `amount` each and register.
    function _onboard(uint256 n, uint256 amount) internal {
        for (uint256 i; i < n; ++i) {
            _stake(_account(i), amount);
            _register(i);
        }
    }

    /// @dev Warps to the next boundary (if not reached) and advances; keeps `hubSet` current.
    function _advance() internal returns (bool recorded) {
        uint256 boundary = registry.nextEpochAt();
        if (block.timestamp < boundary) vm.warp(boundary);
        (bytes32[] memory members, uint256 total) = registry.previewMembers();
        recorded = registry.advanceEpoch();
        if (recorded) {
            hubSet.epoch = registry.latestEpoch();
            hubSet.timestamp = uint64(block.timestamp);
            hubSet.thresholdBps = THRESHOLD_BPS;
            hubSet.minSigners = MIN_SIGNERS;
            hubSet.totalWeight = uint128(total);
            hubSet.members = members;
            assertEq(registry.operatorSetHash(hubSet.epoch), QuorumLib.hashMemory(hubSet), "recorded set");
        }
    }

    function _hubCheckpoint(uint32 destination, uint32 index, bytes32 root, uint64 epoch)
        internal
        view
        returns (CheckpointLib.Checkpoint memory)
    {
        bytes32 outbox = hubMailbox.outboxOf(destination);
        return CheckpointLib.Checkpoint({origin: HUB, outbox: outbox, root: root, index: index, epoch: epoch});
    }

    /// @dev Dispatches `n` messages on the hub route to `destination` (bodies numbered by leaf).
    function _hubDispatch(uint32 destination, uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            uint256 nonce = hubLeaves[destination].length;
            bytes32 id = hubMailbox.dispatch(destination, bytes32(uint256(0xCAFE)), abi.encode("hub message", nonce));
            hubLeaves[destination].push(id);
        }
    }

    /// @dev The true root of the hub route to `destination` when it held `count` leaves.
    function _hubRootAt(uint32 destination, uint256 count) internal view returns (bytes32) {
        bytes32[] memory all = hubLeaves[destination];
        bytes32[] memory prefix = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            prefix[i] = all[i];
        }
        return RefTree.root(RefTree.build(prefix));
    }

    /// @dev Leaf `index` of the hub route to `destination` and its branch in today's tree: the
    /// evidence `slashFalseRoot` takes for a checkpoint at `index`.
    function _hubBranch(uint32 destination, uint256 index)
        internal
        view
        returns (bytes32 leaf, bytes32[32] memory branch)
    {
        RefTree.Levels memory t = RefTree.build(hubLeaves[destination]);
        return (hubLeaves[destination][index], RefTree.branch(t, index));
    }

    function _remoteCheckpoint(bytes32 root, uint32 index, uint64 epoch)
        internal
        pure
        returns (CheckpointLib.Checkpoint memory)
    {
        return CheckpointLib.Checkpoint({
            origin: REMOTE,
            outbox: bytes32(uint256(0xABCD) | (uint256(HUB) << 160)),
            root: root,
            index: index,
            epoch: epoch
        });
    }

    function _signCheckpoint(uint256 keyIndex, CheckpointLib.Checkpoint memory c) internal view returns (bytes memory) {
        return _sig(_signerKey(keyIndex), _digest(registry, c));
    }

    /// @dev Signatures of the members of `set` whose bits are set, in member order.
    function _signMembers(QuorumLib.OperatorSet memory set, uint256 bitmap, bytes32 digest)
        internal
        view
        returns (bytes memory sigs)
    {
        for (uint256 j; j < set.members.length; ++j) {
            if ((bitmap >> j) & 1 == 1) {
                sigs = bytes.concat(sigs, _sig(keyOfSigner[QuorumLib.memberAddress(set.members[j])], digest));
            }
        }
    }

    function _handoverDigest(bytes32 separator, uint64 epoch, QuorumLib.OperatorSet memory next)
        internal
        pure
        returns (bytes32)
    {
        return HandoverLib.digest(separator, epoch, QuorumLib.hashMemory(next));
    }

    function _slashable(uint256 i) internal view returns (uint256) {
        return IStakeSource(address(vault)).slashableStakeOf(_account(i));
    }
}
