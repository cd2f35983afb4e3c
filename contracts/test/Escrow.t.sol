// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Base} from "./Base.t.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Escrow} from "../src/market/Escrow.sol";

contract EscrowTest is Base {
    function test_deposit_creditsSenderAndPullsTokens() public {
        token.mint(stranger, 5e9);
        vm.startPrank(stranger);
        token.approve(address(market), 5e9);
        vm.expectEmit(true, true, false, true, address(market));
        emit Escrow.Deposited(stranger, stranger, 5e9);
        market.deposit(5e9);
        vm.stopPrank();
        assertEq(balanceOf(stranger), 5e9, "escrow balance");
        assertEq(token.balanceOf(stranger), 0, "wallet");
        assertEq(token.balanceOf(address(market)), 2 * FUNDS + 5e9, "market holds");
    }

    function test_depositFor_creditsAnotherAccount() public {
        token.mint(stranger, 2e9);
        vm.startPrank(stranger);
        token.approve(address(market), 2e9);
        vm.expectEmit(true, true, false, true, address(market));
        emit Escrow.Deposited(appOwner, stranger, 2e9);
        market.depositFor(appOwner, 2e9);
        vm.stopPrank();
        assertEq(balanceOf(appOwner), 2e9, "beneficiary");
        assertEq(balanceOf(stranger), 0, "payer");
    }

    function test_deposit_revertsOnZero() public {
        vm.expectRevert(Escrow.ZeroAmount.selector);
        market.deposit(0);
        vm.expectRevert(Escrow.ZeroAmount.selector);
        market.depositFor(stranger, 0);
    }

    function test_deposit_revertsWithoutAllowance() public {
        token.mint(stranger, 1e9);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, 1e9)
        );
        vm.prank(stranger);
        market.deposit(1e9);
    }

    function test_withdraw_paysOut() public {
        vm.expectEmit(true, false, false, true, address(market));
        emit Escrow.Withdrawn(requester, 4e9);
        vm.prank(requester);
        market.withdraw(4e9);
        assertEq(token.balanceOf(requester), 4e9, "wallet");
        assertEq(balanceOf(requester), FUNDS - 4e9, "escrow");
    }

    function test_withdraw_revertsOnZeroOrTooMuch() public {
        vm.expectRevert(Escrow.ZeroAmount.selector);
        vm.prank(requester);
        market.withdraw(0);
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientBalance.selector, requester, FUNDS + 1, FUNDS));
        vm.prank(requester);
        market.withdraw(FUNDS + 1);
    }

    function test_withdraw_cannotTouchLockedFunds() public {
        makeDeal(1, 1);
        uint256 free = balanceOf(requester);
        assertEq(free, FUNDS - PRICE, "free after match");
        assertEq(lockedOf(requester), PRICE, "locked");
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientBalance.selector, requester, FUNDS, free));
        vm.prank(requester);
        market.withdraw(FUNDS);
    }

    function test_stake_movesBalanceToStake() public {
        vm.expectEmit(true, false, false, true, address(market));
        emit Escrow.Staked(requester, 3e9);
        vm.prank(requester);
        market.stake(3e9);
        assertEq(stakeOf(requester), 3e9, "stake");
        assertEq(balanceOf(requester), FUNDS - 3e9, "balance");
    }

    function test_stake_revertsOnZeroOrTooMuch() public {
        vm.expectRevert(Escrow.ZeroAmount.selector);
        vm.prank(requester);
        market.stake(0);
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientBalance.selector, stranger, 1, 0));
        vm.prank(stranger);
        market.stake(1);
    }

    function test_requestUnstake_startsUnbonding() public {
        vm.startPrank(requester);
        market.stake(3e9);
        vm.expectEmit(true, false, false, true, address(market));
        emit Escrow.UnstakeRequested(requester, 1e9, block.timestamp + UNBONDING);
        market.requestUnstake(1e9);
        vm.stopPrank();
        (uint256 balance,, uint256 staked, uint256 unbonding, uint256 readyAt) = market.accountOf(requester);
        assertEq(staked, 2e9, "stake");
        assertEq(unbonding, 1e9, "unbonding");
        assertEq(readyAt, block.timestamp + UNBONDING, "readyAt");
        assertEq(balance, FUNDS - 3e9, "balance");
    }

    function test_requestUnstake_revertsOnZeroOrTooMuch() public {
        vm.startPrank(requester);
        market.stake(3e9);
        vm.expectRevert(Escrow.ZeroAmount.selector);
        market.requestUnstake(0);
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, requester, 4e9, 3e9));
        market.requestUnstake(4e9);
        vm.stopPrank();
    }

    function test_withdrawUnstaked_afterUnbondingPeriod() public {
        vm.startPrank(requester);
        market.stake(3e9);
        market.requestUnstake(3e9);
        uint256 readyAt = block.timestamp + UNBONDING;
        vm.expectRevert(abi.encodeWithSelector(Escrow.StillUnbonding.selector, readyAt));
        market.withdrawUnstaked();
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(Escrow.StillUnbonding.selector, readyAt));
        market.withdrawUnstaked();
        vm.warp(readyAt);
        vm.expectEmit(true, false, false, true, address(market));
        emit Escrow.UnstakeWithdrawn(requester, 3e9);
        market.withdrawUnstaked();
        vm.stopPrank();
        (uint256 balance,, uint256 staked, uint256 unbonding,) = market.accountOf(requester);
        assertEq(balance, FUNDS, "balance back");
        assertEq(staked + unbonding, 0, "nothing staked");
    }

    function test_withdrawUnstaked_revertsWhenNothingUnbonds() public {
        vm.expectRevert(Escrow.ZeroAmount.selector);
        vm.prank(requester);
        market.withdrawUnstaked();
    }

    function test_requestUnstake_again_restartsTheClock() public {
        vm.startPrank(requester);
        market.stake(3e9);
        market.requestUnstake(1e9);
        vm.warp(START + UNBONDING - 1);
        market.requestUnstake(1e9);
        vm.warp(START + UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(Escrow.StillUnbonding.selector, START + 2 * UNBONDING - 1));
        market.withdrawUnstaked();
        vm.stopPrank();
    }

    function test_immutables() public view {
        assertEq(address(market.token()), address(token), "token");
        assertEq(market.unbondingPeriod(), UNBONDING, "unbonding");
    }

    function testFuzz_depositWithdrawRoundTrip(uint256 amount, uint256 out) public {
        amount = bound(amount, 1, 1e28);
        out = bound(out, 1, amount);
        token.mint(stranger, amount);
        vm.startPrank(stranger);
        token.approve(address(market), amount);
        market.deposit(amount);
        market.withdraw(out);
        vm.stopPrank();
        assertEq(balanceOf(stranger), amount - out, "escrow");
        assertEq(token.balanceOf(stranger), out, "wallet");
    }

    function testFuzz_stakeUnstakeRoundTrip(uint256 amount, uint256 part) public {
        amount = bound(amount, 1, FUNDS);
        part = bound(part, 1, amount);
        vm.startPrank(requester);
        market.stake(amount);
        market.requestUnstake(part);
        vm.warp(block.timestamp + UNBONDING);
        market.withdrawUnstaked();
        vm.stopPrank();
        assertEq(balanceOf(requester), FUNDS - amount + part, "balance");
        assertEq(stakeOf(requester), amount - part, "stake");
    }
}
