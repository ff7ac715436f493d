// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ICommitmentReader, RollupTypes} from "./RollupTypes.sol";

/// @title RollupRegistry
/// @notice Rollups as a service on the hub chain: rent a rollup for a time to live, get a domain
/// id, extend it, close it (ADR 0005).
///
/// - Rent is paid in ETH at `rentPerSecond` (the rate at creation is locked for the rollup's life):
///   `rent = rate × ttl`, any excess is refunded in the same call.
/// - Domain ids come from `[firstDomain, lastDomain]`, a range no configured chain uses (by default
///   from 0x10000000 up); the owner can reserve an id inside the range for a chain, and assignment
///   skips it. An id is never reused.
/// - Closing is two steps: `closeRollup` (the rollup's owner any time, anyone after expiry) stops
///   rent and moves the rollup to `Closing`; `completeClose` moves it to `Closed` once a commitment
///   proposed at or after the close is final. Then the commitment chain is frozen, and that last
///   commitment's outbox root is what assets left on the rollup are withdrawn against. Unused rent
///   (`rate × (expiresAt − closingAt)`) is credited to the rollup's owner, the rest to the treasury;
///   both withdraw with `withdraw` (pull, so a refusing receiver blocks nobody).
contract RollupRegistry is Ownable2Step, ReentrancyGuard {
    using RollupTypes for RollupTypes.Commitment;

    /// @notice A rollup, as stored.
    struct Rollup {
        RollupTypes.RollupConfig config;
        address owner;
        RollupTypes.State state;
        uint64 createdAt;
        uint64 expiresAt;
        uint64 closingAt;
        uint64 finalCommitment;
        uint128 rentPerSecond;
        uint128 rentPaid;
    }

    uint256 internal constant BPS = 10_000;
    /// @notice Lowest quorum share a rollup may ask for: two quorums of at least 2/3 overlap in more
    /// than 1/3 of the weight, so two conflicting final commitments imply slashable equivocation.
    uint16 public constant MIN_THRESHOLD_BPS = 6667;
    /// @notice Most distinct signers a rollup may ask for (the largest operator set).
    uint16 public constant MAX_MIN_SIGNERS = 256;
    uint64 public constant MIN_CHALLENGE_WINDOW = 1 hours;
    uint64 public constant MAX_CHALLENGE_WINDOW = 30 days;
    uint64 public constant MIN_TTL = 1 hours;
    /// @notice Longest a rollup may be paid ahead (at creation or after an extension).
    uint64 public constant MAX_TTL = 365 days;
    /// @notice After this long in `Closing` without a final commitment proposed since the close,
    /// anyone may close on the rollup's latest final commitment (an absent proposer cannot keep a
    /// rollup open forever).
    uint64 public constant CLOSE_GRACE_PERIOD = 7 days;

    /// @notice First and last domain id this registry assigns.
    uint32 public immutable firstDomain;
    uint32 public immutable lastDomain;

    /// @notice The commitment chain that decides finality (set once).
    ICommitmentReader public commitmentChain;
    /// @notice Wei per second of rollup life, for rollups created from now on.
    uint128 public rentPerSecond;
    /// @notice Receives the rent that was used.
    address public treasury;
    /// @notice The next id to try (64 bits, so the range may end at 2^32 − 1).
    uint64 public nextDomain;

    mapping(uint32 domain => Rollup) internal _rollups;
    /// @notice Ids inside the range that a configured chain uses; never assigned.
    mapping(uint32 domain => bool) public reserved;
    /// @notice ETH an account may `withdraw` (refunded rent, collected rent).
    mapping(address account => uint256 amount) public credit;

    event RollupCreated(
        uint32 indexed rollup,
        address indexed owner,
        address indexed proposer,
        RollupTypes.RollupConfig config,
        uint64 expiresAt,
        uint256 rent
    );
    event RollupExtended(uint32 indexed rollup, uint64 expiresAt, uint256 rent);
    event RollupClosing(uint32 indexed rollup, uint64 closingAt, address by);
    event RollupClosed(uint32 indexed rollup, uint64 finalCommitment, uint256 refund, uint256 rentUsed);
    event DomainReserved(uint32 indexed domain);
    event RentSet(uint128 rentPerSecond);
    event TreasurySet(address treasury);
    event CommitmentChainSet(address commitmentChain);
    event Withdrawn(address indexed account, uint256 amount);

    error InvalidDomainRange(uint32 first, uint32 last);
    error InvalidVm(uint8 vm);
    error InvalidStack(uint8 stack);
    error InvalidDataAvailability(uint8 da);
    error InvalidFinalityMode(uint8 finality);
    /// @notice Optimistic modes need a window in [MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW].
    error InvalidChallengeWindow(uint64 window, uint64 min, uint64 max);
    /// @notice Restaked-only finality has no challenge window; it must be 0.
    error ChallengeWindowNotApplicable(uint64 window);
    error InvalidThreshold(uint16 thresholdBps, uint16 min, uint256 max);
    error InvalidMinSigners(uint16 minSigners, uint16 max);
    error InvalidTtl(uint64 ttl, uint64 min, uint64 max);
    error ZeroProposer();
    error ZeroAddress();
    error RentUnset();
    /// @notice `paid` wei is less than `rent` = rate × ttl.
    error InsufficientRent(uint256 paid, uint256 rent);
    error RefundFailed(address to, uint256 amount);
    error DomainsExhausted();
    error DomainOutOfRange(uint32 domain);
    error DomainAlreadyAssigned(uint32 domain);
    error UnknownRollup(uint32 rollup);
    error NotRollupOwner(uint32 rollup, address caller);
    /// @notice The rollup is in `state`, not one this call accepts.
    error WrongState(uint32 rollup, RollupTypes.State state);
    error RollupExpired(uint32 rollup, uint64 expiresAt);
    /// @notice Only the rollup's owner may close it before `expiresAt`.
    error NotExpired(uint32 rollup, uint64 expiresAt);
    error CommitmentChainAlreadySet(address commitmentChain);
    error CommitmentChainUnset();
    /// @notice The commitment is not a final commitment of this rollup.
    error CommitmentNotFinal(uint32 rollup, uint64 commitment);
    /// @notice The commitment was proposed before the close and the grace period has not passed,
    /// or it is not the rollup's latest final commitment.
    error CommitmentBeforeClose(uint32 rollup, uint64 commitment, uint64 proposedAt, uint64 closingAt);
    error NothingToWithdraw(address account);

    /// @param owner_ Registry administrator (rent rate, treasury, reservations).
    /// @param firstDomain_ First id to assign (e.g. 0x10000000); must be above every configured chain.
    /// @param lastDomain_ Last id to assign.
    constructor(address owner_, uint32 firstDomain_, uint32 lastDomain_, uint128 rentPerSecond_, address treasury_)
        Ownable(owner_)
    {
        if (firstDomain_ == 0 || lastDomain_ < firstDomain_) revert InvalidDomainRange(firstDomain_, lastDomain_);
        if (treasury_ == address(0)) revert ZeroAddress();
        if (rentPerSecond_ == 0) revert RentUnset();
        firstDomain = firstDomain_;
        lastDomain = lastDomain_;
        nextDomain = firstDomain_;
        rentPerSecond = rentPerSecond_;
        treasury = treasury_;
        emit RentSet(rentPerSecond_);
        emit TreasurySet(treasury_);
    }

    // ================================================================== lifecycle

    /// @notice Rents a rollup for `config.ttl` seconds; `msg.value` must cover `rentPerSecond × ttl`
    /// and the excess is refunded. The caller owns the rollup.
    /// @return rollup The assigned domain id.
    function createRollup(RollupTypes.RollupConfig calldata config)
        external
        payable
        nonReentrant
        returns (uint32 rollup)
    {
        validateConfig(config);
        uint128 rate = rentPerSecond;
        uint256 rent = uint256(rate) * config.ttl;
        if (msg.value < rent) revert InsufficientRent(msg.value, rent);
        rollup = _assignDomain();
        uint64 expiresAt = uint64(block.timestamp) + config.ttl;
        Rollup storage r = _rollups[rollup];
        r.config = config;
        r.owner = msg.sender;
        r.state = RollupTypes.State.Active;
        r.createdAt = uint64(block.timestamp);
        r.expiresAt = expiresAt;
        r.rentPerSecond = rate;
        r.rentPaid = uint128(rent);
        emit RollupCreated(rollup, msg.sender, config.proposer, config, expiresAt, rent);
        _refund(msg.sender, msg.value - rent);
    }

    /// @notice Pays `extraTtl` more seconds at the rollup's rate; the excess is refunded. Owner
    /// only, while the rollup is active and unexpired.
    function extend(uint32 rollup, uint64 extraTtl) external payable nonReentrant {
        Rollup storage r = _active(rollup);
        if (msg.sender != r.owner) revert NotRollupOwner(rollup, msg.sender);
        uint64 expiresAt = r.expiresAt;
        if (block.timestamp >= expiresAt) revert RollupExpired(rollup, expiresAt);
        uint256 newExpiry = uint256(expiresAt) + extraTtl;
        if (extraTtl == 0 || newExpiry - block.timestamp > MAX_TTL) {
            revert InvalidTtl(extraTtl, 1, MAX_TTL - (expiresAt - uint64(block.timestamp)));
        }
        uint256 rent = uint256(r.rentPerSecond) * extraTtl;
        if (msg.value < rent) revert InsufficientRent(msg.value, rent);
        r.expiresAt = uint64(newExpiry);
        r.rentPaid += uint128(rent);
        emit RollupExtended(rollup, uint64(newExpiry), rent);
        _refund(msg.sender, msg.value - rent);
    }

    /// @notice Starts closing: rent stops accruing, and the rollup waits for a final commitment
    /// proposed from now on (see `completeClose`). The owner may close any time; anyone may once
    /// the rollup has expired.
    function closeRollup(uint32 rollup) external {
        Rollup storage r = _active(rollup);
        if (msg.sender != r.owner && block.timestamp < r.expiresAt) revert NotExpired(rollup, r.expiresAt);
        r.state = RollupTypes.State.Closing;
        r.closingAt = uint64(block.timestamp);
        emit RollupClosing(rollup, uint64(block.timestamp), msg.sender);
    }

    /// @notice Finishes closing on `commitmentId`: a final commitment of this rollup proposed at or
    /// after the close (or, after `CLOSE_GRACE_PERIOD`, the rollup's latest final commitment, 0 if
    /// it never had one). Anyone may call. Freezes the commitment chain and credits the refund.
    function completeClose(uint32 rollup, uint64 commitmentId) external {
        Rollup storage r = _rollups[rollup];
        if (r.state != RollupTypes.State.Closing) {
            if (r.state == RollupTypes.State.None) revert UnknownRollup(rollup);
            revert WrongState(rollup, r.state);
        }
        ICommitmentReader chain = commitmentChain;
        if (address(chain) == address(0)) revert CommitmentChainUnset();
        uint64 closingAt = r.closingAt;
        bool graceOver = block.timestamp >= uint256(closingAt) + CLOSE_GRACE_PERIOD;
        if (commitmentId == 0) {
            // Only an abandoned rollup closes with no commitment at all.
            if (!graceOver || chain.latestFinal(rollup) != 0) revert CommitmentNotFinal(rollup, 0);
        } else {
            RollupTypes.Commitment memory c = chain.commitment(commitmentId);
            if (c.rollup != rollup || c.status != RollupTypes.CommitmentStatus.Final) {
                revert CommitmentNotFinal(rollup, commitmentId);
            }
            if (c.proposedAt < closingAt && !(graceOver && chain.latestFinal(rollup) == commitmentId)) {
                revert CommitmentBeforeClose(rollup, commitmentId, c.proposedAt, closingAt);
            }
        }
        r.state = RollupTypes.State.Closed;
        r.finalCommitment = commitmentId;
        uint256 refund = r.expiresAt > closingAt ? uint256(r.rentPerSecond) * (r.expiresAt - closingAt) : 0;
        uint256 used = r.rentPaid - refund;
        credit[r.owner] += refund;
        credit[treasury] += used;
        emit RollupClosed(rollup, commitmentId, refund, used);
    }

    /// @notice Sends the caller the ETH credited to it (rent refunds, collected rent).
    function withdraw() external nonReentrant {
        uint256 amount = credit[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        credit[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        _refund(msg.sender, amount);
    }

    // ================================================================== views (relayer, commitment chain)

    /// @notice Reverts with a named error unless `config` is acceptable.
    function validateConfig(RollupTypes.RollupConfig calldata config) public pure {
        if (config.vm > uint8(type(RollupTypes.Vm).max)) revert InvalidVm(config.vm);
        if (config.stack > uint8(type(RollupTypes.Stack).max)) revert InvalidStack(config.stack);
        if (config.da > uint8(type(RollupTypes.DataAvailability).max)) revert InvalidDataAvailability(config.da);
        if (config.finality > uint8(type(RollupTypes.FinalityMode).max)) revert InvalidFinalityMode(config.finality);
        if (config.finality == uint8(RollupTypes.FinalityMode.Restaked)) {
            if (config.challengeWindow != 0) revert ChallengeWindowNotApplicable(config.challengeWindow);
        } else if (config.challengeWindow < MIN_CHALLENGE_WINDOW || config.challengeWindow > MAX_CHALLENGE_WINDOW) {
            revert InvalidChallengeWindow(config.challengeWindow, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW);
        }
        if (config.thresholdBps < MIN_THRESHOLD_BPS || config.thresholdBps > BPS) {
            revert InvalidThreshold(config.thresholdBps, MIN_THRESHOLD_BPS, BPS);
        }
        if (config.minSigners == 0 || config.minSigners > MAX_MIN_SIGNERS) {
            revert InvalidMinSigners(config.minSigners, MAX_MIN_SIGNERS);
        }
        if (config.ttl < MIN_TTL || config.ttl > MAX_TTL) revert InvalidTtl(config.ttl, MIN_TTL, MAX_TTL);
        if (config.proposer == address(0)) revert ZeroProposer();
    }

    function rollupInfo(uint32 rollup) external view returns (Rollup memory) {
        return _rollups[rollup];
    }

    function rollupConfig(uint32 rollup) external view returns (RollupTypes.RollupConfig memory) {
        return _rollups[rollup].config;
    }

    function state(uint32 rollup) external view returns (RollupTypes.State) {
        return _rollups[rollup].state;
    }

    function ownerOf(uint32 rollup) external view returns (address) {
        return _rollups[rollup].owner;
    }

    function proposerOf(uint32 rollup) external view returns (address) {
        return _rollups[rollup].config.proposer;
    }

    /// @notice What the commitment chain needs on every call, in one read.
    function settlementParams(uint32 rollup)
        external
        view
        returns (
            RollupTypes.State state_,
            address proposer,
            uint8 finality,
            uint64 challengeWindow,
            uint16 thresholdBps,
            uint16 minSigners
        )
    {
        Rollup storage r = _rollups[rollup];
        RollupTypes.RollupConfig storage c = r.config;
        return (r.state, c.proposer, c.finality, c.challengeWindow, c.thresholdBps, c.minSigners);
    }

    /// @notice Unused rent if the rollup were closed now (0 unless active or closing).
    function refundIfClosedNow(uint32 rollup) external view returns (uint256) {
        Rollup storage r = _rollups[rollup];
        if (r.state == RollupTypes.State.Closing) {
            return r.expiresAt > r.closingAt ? uint256(r.rentPerSecond) * (r.expiresAt - r.closingAt) : 0;
        }
        if (r.state != RollupTypes.State.Active || block.timestamp >= r.expiresAt) return 0;
        return uint256(r.rentPerSecond) * (r.expiresAt - block.timestamp);
    }

    // ================================================================== administration

    /// @notice Wires the commitment chain (once; it and this registry reference each other).
    function setCommitmentChain(ICommitmentReader chain) external onlyOwner {
        if (address(commitmentChain) != address(0)) revert CommitmentChainAlreadySet(address(commitmentChain));
        if (address(chain) == address(0)) revert ZeroAddress();
        commitmentChain = chain;
        emit CommitmentChainSet(address(chain));
    }

    /// @notice Rate for rollups created from now on (existing rollups keep theirs).
    function setRent(uint128 rentPerSecond_) external onlyOwner {
        if (rentPerSecond_ == 0) revert RentUnset();
        rentPerSecond = rentPerSecond_;
        emit RentSet(rentPerSecond_);
    }

    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @notice Marks `domain` (inside the range) as a configured chain's id: never assigned.
    function reserveDomain(uint32 domain) external onlyOwner {
        if (domain < firstDomain || domain > lastDomain) revert DomainOutOfRange(domain);
        if (_rollups[domain].state != RollupTypes.State.None) revert DomainAlreadyAssigned(domain);
        reserved[domain] = true;
        emit DomainReserved(domain);
    }

    // ================================================================== internals

    function _assignDomain() internal returns (uint32 domain) {
        uint64 d = nextDomain;
        uint64 last = lastDomain;
        while (d <= last && reserved[uint32(d)]) {
            ++d;
        }
        if (d > last) revert DomainsExhausted();
        domain = uint32(d);
        nextDomain = d + 1;
    }

    function _active(uint32 rollup) internal view returns (Rollup storage r) {
        r = _rollups[rollup];
        if (r.state != RollupTypes.State.Active) {
            if (r.state == RollupTypes.State.None) revert UnknownRollup(rollup);
            revert WrongState(rollup, r.state);
        }
    }

    function _refund(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert RefundFailed(to, amount);
    }
}
