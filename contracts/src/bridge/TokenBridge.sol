// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IMessageRecipient} from "../interfaces/IMessageRecipient.sol";
import {Message} from "../libs/Message.sol";
import {IStakeCap} from "./IStakeCap.sol";
import {SyntheticToken} from "./SyntheticToken.sol";

/// @notice The part of a Mailbox the bridge uses.
interface IMailboxDispatch {
    function localDomain() external view returns (uint32);
    function dispatch(uint32 destination, bytes32 recipient, bytes calldata body) external returns (bytes32 id);
}

/// @title TokenBridge
/// @notice Moves one token between domains through Causeway Mailboxes (ADR 0005). One bridge per
/// token per domain; the bridges of one token enroll each other as remote routers.
///
/// - Collateral mode (the token's home): `transferRemote` locks tokens here; an arriving transfer
///   releases them.
/// - Synthetic mode: this bridge deploys and alone mints its `SyntheticToken`; `transferRemote`
///   burns, an arriving transfer mints. Synthetic supply is therefore never above the collateral
///   locked at home.
///
/// Message body: `recipient bytes32 ‖ amount uint256` (64 bytes).
///
/// Safety limits:
/// - `handle` accepts only the Mailbox as caller and only the enrolled router of the origin as
///   sender (Poly Network: the message path reaches nothing else).
/// - Every route has a token bucket (`capacity`, `refillPerSecond`) on what arrives from it; a
///   route with capacity 0 releases nothing (Ronin: one compromise cannot drain everything).
/// - Value in flight — the sum of what left through `transferRemote` and what arrived through
///   `handle` during the current and the previous settlement period (`block.timestamp /
///   settlementPeriod`), across all routes — never exceeds `stakeCap.valueCap()`, which the hub
///   ties to slashable stake. Every transfer counts for at least one full period and at most two.
contract TokenBridge is IMessageRecipient, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    enum Mode {
        Collateral,
        Synthetic
    }

    /// @notice Deployment parameters. `collateral` set = collateral mode; zero = synthetic mode,
    /// which deploys a `SyntheticToken` named by the other fields.
    struct Init {
        IMailboxDispatch mailbox;
        IERC20 collateral;
        string name;
        string symbol;
        uint8 decimals;
        IStakeCap stakeCap;
        uint64 settlementPeriod;
        address owner;
    }

    /// @notice An enrolled remote route and its inbound token bucket.
    struct Route {
        bytes32 router;
        uint128 capacity;
        uint128 refillPerSecond;
        uint128 level;
        uint64 updatedAt;
    }

    uint256 public constant BODY_LENGTH = 64;

    IMailboxDispatch public immutable mailbox;
    uint32 public immutable localDomain;
    IERC20 public immutable token;
    Mode public immutable mode;
    /// @notice Length of a settlement period in seconds: at least the time a transfer takes to be
    /// final and delivered, and the time a false root takes to be slashed (ADR 0005).
    uint64 public immutable settlementPeriod;

    IStakeCap public stakeCap;
    mapping(uint32 domain => Route) internal _routes;

    /// @dev Value moved in `flowPeriod` and in the period before it.
    uint64 public flowPeriod;
    uint128 internal _currentFlow;
    uint128 internal _previousFlow;

    event SentTransferRemote(uint32 indexed destination, bytes32 indexed recipient, uint256 amount, bytes32 id);
    event ReceivedTransferRemote(uint32 indexed origin, bytes32 indexed recipient, uint256 amount);
    event RouterEnrolled(uint32 indexed domain, bytes32 router);
    event RateLimitSet(uint32 indexed domain, uint128 capacity, uint128 refillPerSecond);
    event StakeCapSet(address stakeCap);

    error ZeroAddress();
    error ZeroPeriod();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error NotMailbox(address caller);
    /// @notice `sender` is not the router enrolled for `origin` (or none is).
    error UnenrolledRouter(uint32 origin, bytes32 sender);
    error UnknownRoute(uint32 destination);
    error InvalidBody(uint256 length);
    /// @notice The route's bucket holds `available`, less than `amount`.
    error RateLimited(uint32 origin, uint256 amount, uint256 available);
    /// @notice Moving `amount` would put `inFlight + amount` above the cap.
    error ValueCapExceeded(uint256 amount, uint256 inFlight, uint256 cap);
    /// @notice The collateral token delivered `received`, not `amount` (fee-on-transfer tokens are
    /// not supported: the invariant needs exact amounts).
    error TransferAmountMismatch(uint256 amount, uint256 received);
    error LocalDomain(uint32 domain);

    constructor(Init memory init) Ownable(init.owner) {
        if (address(init.mailbox) == address(0) || address(init.stakeCap) == address(0)) revert ZeroAddress();
        if (init.settlementPeriod == 0) revert ZeroPeriod();
        mailbox = init.mailbox;
        localDomain = init.mailbox.localDomain();
        settlementPeriod = init.settlementPeriod;
        stakeCap = init.stakeCap;
        if (address(init.collateral) != address(0)) {
            mode = Mode.Collateral;
            token = init.collateral;
        } else {
            mode = Mode.Synthetic;
            token = IERC20(address(new SyntheticToken(init.name, init.symbol, init.decimals, address(this))));
        }
        emit StakeCapSet(address(init.stakeCap));
    }

    // ================================================================== transfers

    /// @notice Sends `amount` to `recipient` on `destination`: locks (collateral) or burns
    /// (synthetic) the caller's tokens and dispatches the transfer to the enrolled router there.
    /// @return id The message id.
    function transferRemote(uint32 destination, bytes32 recipient, uint256 amount)
        external
        nonReentrant
        returns (bytes32 id)
    {
        bytes32 router = _routes[destination].router;
        if (router == bytes32(0)) revert UnknownRoute(destination);
        if (amount == 0) revert ZeroAmount();
        _addFlow(amount);
        if (mode == Mode.Collateral) {
            IERC20 t = token;
            uint256 before = t.balanceOf(address(this));
            t.safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = t.balanceOf(address(this)) - before;
            if (received != amount) revert TransferAmountMismatch(amount, received);
        } else {
            SyntheticToken(address(token)).burn(msg.sender, amount);
        }
        id = mailbox.dispatch(destination, router, abi.encodePacked(recipient, amount));
        emit SentTransferRemote(destination, recipient, amount, id);
    }

    /// @inheritdoc IMessageRecipient
    /// @dev Only the Mailbox, only from the enrolled router of `origin`; the route's bucket and the
    /// value cap must cover the amount. Releases (collateral) or mints (synthetic).
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external nonReentrant {
        if (msg.sender != address(mailbox)) revert NotMailbox(msg.sender);
        Route storage r = _routes[origin];
        if (sender == bytes32(0) || r.router != sender) revert UnenrolledRouter(origin, sender);
        if (body.length != BODY_LENGTH) revert InvalidBody(body.length);
        bytes32 recipientField = bytes32(body[0:32]);
        uint256 amount = uint256(bytes32(body[32:64]));
        address recipient = Message.toAddress(recipientField);
        _consume(origin, r, amount);
        _addFlow(amount);
        if (mode == Mode.Collateral) token.safeTransfer(recipient, amount);
        else SyntheticToken(address(token)).mint(recipient, amount);
        emit ReceivedTransferRemote(origin, recipientField, amount);
    }

    // ================================================================== views

    /// @notice Value moved (out and in) in the current and the previous settlement period.
    function inFlight() public view returns (uint256) {
        uint256 period = block.timestamp / settlementPeriod;
        uint256 last = flowPeriod;
        if (period == last) return uint256(_previousFlow) + _currentFlow;
        if (period == last + 1) return _currentFlow;
        return 0;
    }

    /// @notice What the route's bucket holds now.
    function available(uint32 domain) public view returns (uint256) {
        Route storage r = _routes[domain];
        uint256 level = uint256(r.level) + uint256(r.refillPerSecond) * (block.timestamp - r.updatedAt);
        return level > r.capacity ? r.capacity : level;
    }

    function route(uint32 domain) external view returns (Route memory) {
        return _routes[domain];
    }

    function routerOf(uint32 domain) external view returns (bytes32) {
        return _routes[domain].router;
    }

    // ================================================================== administration

    /// @notice Enrolls (or, with zero, removes) the bridge of this token on `domain`.
    function enrollRemoteRouter(uint32 domain, bytes32 router) external onlyOwner {
        if (domain == localDomain) revert LocalDomain(domain);
        _routes[domain].router = router;
        emit RouterEnrolled(domain, router);
    }

    /// @notice Sets the inbound bucket of `domain`; it starts full (at most the old level).
    function setRateLimit(uint32 domain, uint128 capacity, uint128 refillPerSecond) external onlyOwner {
        Route storage r = _routes[domain];
        uint256 level = r.updatedAt == 0 ? capacity : available(domain);
        r.capacity = capacity;
        r.refillPerSecond = refillPerSecond;
        r.level = uint128(level > capacity ? capacity : level);
        r.updatedAt = uint64(block.timestamp);
        emit RateLimitSet(domain, capacity, refillPerSecond);
    }

    function setStakeCap(IStakeCap stakeCap_) external onlyOwner {
        if (address(stakeCap_) == address(0)) revert ZeroAddress();
        stakeCap = stakeCap_;
        emit StakeCapSet(address(stakeCap_));
    }

    // ================================================================== internals

    function _consume(uint32 origin, Route storage r, uint256 amount) internal {
        uint256 level = available(origin);
        if (amount > level) revert RateLimited(origin, amount, level);
        r.level = uint128(level - amount);
        r.updatedAt = uint64(block.timestamp);
    }

    /// @dev Counts `amount` as in flight, refusing it above the cap.
    function _addFlow(uint256 amount) internal {
        if (amount > type(uint128).max) revert AmountTooLarge(amount);
        uint64 period = uint64(block.timestamp / settlementPeriod);
        uint64 last = flowPeriod;
        uint256 previous = _previousFlow;
        uint256 current = _currentFlow;
        if (period != last) {
            previous = period == last + 1 ? current : 0;
            current = 0;
        }
        uint256 cap = stakeCap.valueCap();
        uint256 flowing = previous + current;
        if (flowing + amount > cap) revert ValueCapExceeded(amount, flowing, cap);
        if (current + amount > type(uint128).max) revert AmountTooLarge(amount);
        flowPeriod = period;
        _previousFlow = uint128(previous);
        _currentFlow = uint128(current + amount);
    }
}
