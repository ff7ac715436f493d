// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {QuorumFixture} from "../helpers/QuorumFixture.sol";
import {CheckpointLib} from "../../src/libs/CheckpointLib.sol";
import {QuorumLib} from "../../src/libs/QuorumLib.sol";
import {CausewayToken} from "../../src/staking/CausewayToken.sol";
import {HandoverLib} from "../../src/staking/HandoverLib.sol";
import {IOutboxHistory} from "../../src/staking/IOutboxHistory.sol";
import {IStakeSlasher, IStakeSource} from "../../src/staking/IStakeSource.sol";
import {RestakingRegistry} from "../../src/staking/RestakingRegistry.sol";
import {StakeVault} from "../../src/staking/StakeVault.sol";

/// @dev Test-only IOutboxHistory: route states set by hand. The hub Mailbox will implement
/// `rootAt` from its per-block root history; until then the registry is tested against this.
contract TestOutboxHistory is IOutboxHistory {
    mapping(uint32 destination => mapping(uint256 count => bytes32 root)) internal _history;
    mapping(uint32 destination => bytes32 root) internal _root;
    mapping(uint32 destination => uint256 count) internal _count;

    /// @dev The route to `destination` ends a block with `count` leaves and root `root`.
    function endBlock(uint32 destination, uint256 count, bytes32 root) external {
        _history[destination][count] = root;
        _root[destination] = root;
        _count[destination] = count;
    }

    /// @dev The route is mid-block at `count` leaves (no history entry for it).
    function midBlock(uint32 destination, uint256 count, bytes32 root) external {
        _root[destination] = root;
        _count[destination] = count;
    }

    function rootAt(uint32 destination, uint256 count) external view returns (bytes32) {
        return count > _count[destination] ? bytes32(0) : _history[destination][count];
    }

    function outboxState(uint32 destination) external view returns (bytes32, uint256) {
        return (_root[destination], _count[destination]);
    }
}

/// @dev Hub deployment (token, vault, registry, test outbox history) and operator helpers.
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
    TestOutboxHistory internal history;

    /// @dev The latest set the registry recorded (kept by `_advance`).
    QuorumLib.OperatorSet internal hubSet;
    mapping(address signer => uint256 key) internal keyOfSigner;

    function _config() internal view returns (RestakingRegistry.Config memory) {
        return RestakingRegistry.Config({
            localDomain: HUB,
            stakeSource: vault,
            mailbox: history,
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
        history = new TestOutboxHistory();
        registry = new RestakingRegistry(_config());
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
        bytes32 outbox = bytes32(uint256(uint160(address(history))) | (uint256(destination) << 160));
        return CheckpointLib.Checkpoint({origin: HUB, outbox: outbox, root: root, index: index, epoch: epoch});
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
