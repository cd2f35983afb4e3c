// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @notice Escrow accounts in the payment token. One packed slot per account:
/// free balance, funds locked in deals (a requester's payments, a pool owner's stakes), and
/// the worker stake that contributions put at risk. Unstaking goes through an unbonding
/// period during which the stake can still be slashed and still backs contributions.
/// Reputation is kept per pool: a score earned in one pool weighs nothing in another, so keys
/// farmed in a pool of one's own carry no weight where honest workers compute.
/// What is seized (a slashed worker's stake, the pool's stake on a failed task) goes to nobody:
/// it is counted in `seized` and stays in the contract, so no party to a deal profits from a failure.
abstract contract Escrow {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    struct Account {
        uint96 balance;
        uint96 locked;
        uint64 stake;
    }

    struct Worker {
        uint64 unbonding; // stake on its way out, still slashable
        uint64 readyAt; // when the unbonding stake can be withdrawn
    }

    IERC20 public immutable token;
    uint256 public immutable unbondingPeriod;

    mapping(address => Account) internal _accounts;
    mapping(address => Worker) internal _workers;
    /// @dev Reputation in a pool: +1 per agreeing replicated contribution, x2/3 per disagreeing one.
    mapping(uint256 pool => mapping(address worker => uint256)) internal _scores;
    /// @notice Funds taken from dishonest or failed parties; nobody can withdraw them.
    uint256 public seized;

    error ZeroAmount();
    error InsufficientBalance(address account, uint256 required, uint256 available);
    error InsufficientStake(address account, uint256 required, uint256 available);
    error StillUnbonding(uint256 readyAt);

    event Deposited(address indexed account, address indexed from, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event Staked(address indexed account, uint256 amount);
    event UnstakeRequested(address indexed account, uint256 amount, uint256 readyAt);
    event UnstakeWithdrawn(address indexed account, uint256 amount);

    constructor(IERC20 token_, uint256 unbondingPeriod_) {
        token = token_;
        unbondingPeriod = unbondingPeriod_;
    }

    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    function depositFor(address account, uint256 amount) public {
        if (amount == 0) revert ZeroAmount();
        token.safeTransferFrom(msg.sender, address(this), amount);
        // The token's supply is below 2^96, so an account's total cannot overflow.
        _accounts[account].balance += amount.toUint96();
        emit Deposited(account, msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _debit(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Moves free balance into the worker stake.
    function stake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _debit(msg.sender, amount);
        Account storage a = _accounts[msg.sender];
        a.stake = (uint256(a.stake) + amount).toUint64();
        emit Staked(msg.sender, amount);
    }

    /// @notice Starts unbonding part of the stake; it stays slashable until withdrawUnstaked.
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Account storage a = _accounts[msg.sender];
        if (a.stake < amount) revert InsufficientStake(msg.sender, amount, a.stake);
        a.stake -= uint64(amount);
        Worker storage w = _workers[msg.sender];
        w.unbonding += uint64(amount);
        uint256 readyAt = block.timestamp + unbondingPeriod;
        w.readyAt = uint64(readyAt);
        emit UnstakeRequested(msg.sender, amount, readyAt);
    }

    function withdrawUnstaked() external {
        Worker storage w = _workers[msg.sender];
        uint256 amount = w.unbonding;
        if (amount == 0) revert ZeroAmount();
        if (block.timestamp < w.readyAt) revert StillUnbonding(w.readyAt);
        w.unbonding = 0;
        _accounts[msg.sender].balance += uint96(amount);
        emit UnstakeWithdrawn(msg.sender, amount);
    }

    function accountOf(address account)
        external
        view
        returns (uint256 balance, uint256 locked, uint256 staked, uint256 unbonding, uint256 readyAt)
    {
        Account memory a = _accounts[account];
        Worker memory w = _workers[account];
        return (a.balance, a.locked, a.stake, w.unbonding, w.readyAt);
    }

    /// @notice A worker's reputation in a pool.
    function scoreOf(address worker, uint256 pool) external view returns (uint256) {
        return _scores[pool][worker];
    }

    function _debit(address account, uint256 amount) internal {
        Account storage a = _accounts[account];
        if (a.balance < amount) revert InsufficientBalance(account, amount, a.balance);
        a.balance -= uint96(amount);
    }

    /// @dev Moves `amount` of free balance into locked funds. Checked: the token is any ERC-20.
    function _lock(address account, uint256 amount) internal {
        Account storage a = _accounts[account];
        if (a.balance < amount) revert InsufficientBalance(account, amount, a.balance);
        a.balance -= uint96(amount);
        a.locked += amount.toUint96();
    }

    /// @dev Takes up to `amount` of a worker's stake, then of its unbonding stake; returns what was taken.
    function _slash(address worker, uint256 amount) internal returns (uint256 taken) {
        Account storage a = _accounts[worker];
        uint256 fromStake = amount < a.stake ? amount : a.stake;
        a.stake -= uint64(fromStake);
        taken = fromStake;
        if (taken < amount) {
            Worker storage w = _workers[worker];
            uint256 fromUnbonding = amount - taken < w.unbonding ? amount - taken : w.unbonding;
            w.unbonding -= uint64(fromUnbonding);
            taken += fromUnbonding;
        }
    }
}
