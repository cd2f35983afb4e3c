// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Base} from "./Base.t.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {HearthToken} from "../src/HearthToken.sol";

contract TokenTest is Base {
    function test_metadata() public view {
        assertEq(token.decimals(), 9, "decimals");
        assertEq(keccak256(bytes(token.symbol())), keccak256("HRTH"), "symbol");
        assertEq(keccak256(bytes(token.name())), keccak256("Hearth"), "name");
        assertEq(token.owner(), address(this), "owner");
    }

    function test_mint_byOwner() public {
        uint256 before = token.totalSupply();
        token.mint(stranger, 5e9);
        assertEq(token.balanceOf(stranger), 5e9, "balance");
        assertEq(token.totalSupply(), before + 5e9, "supply");
    }

    function test_mint_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        token.mint(stranger, 1);
    }

    function test_mint_revertsAboveCap() public {
        uint256 remaining = token.MAX_SUPPLY() - token.totalSupply();
        vm.expectRevert(abi.encodeWithSelector(HearthToken.SupplyCapExceeded.selector, remaining + 1, remaining));
        token.mint(stranger, remaining + 1);
        token.mint(stranger, remaining);
        assertEq(token.totalSupply(), type(uint96).max, "capped supply");
        vm.expectRevert(abi.encodeWithSelector(HearthToken.SupplyCapExceeded.selector, 1, 0));
        token.mint(stranger, 1);
    }

    function testFuzz_mint_neverExceedsCap(uint256 a, uint256 b) public {
        uint256 cap = token.MAX_SUPPLY();
        a = bound(a, 0, cap - token.totalSupply());
        token.mint(stranger, a);
        uint256 remaining = cap - token.totalSupply();
        if (b > remaining) {
            vm.expectRevert(abi.encodeWithSelector(HearthToken.SupplyCapExceeded.selector, b, remaining));
        }
        token.mint(stranger, b);
        assertLe(token.totalSupply(), cap, "supply");
    }

    function test_permit_setsAllowanceFromSignature() public {
        address holder = vm.addr(STRANGER_KEY);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                holder,
                address(market),
                7e9,
                token.nonces(holder),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(STRANGER_KEY, digest);
        token.permit(holder, address(market), 7e9, deadline, v, r, s);
        assertEq(token.allowance(holder, address(market)), 7e9, "allowance");
    }
}
