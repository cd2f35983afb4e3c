// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice The payment token of the market. Nine decimals, like the incumbent's RLC.
/// The supply is capped below 2^96 so that every escrow balance fits the market's packed accounts.
contract HearthToken is ERC20, ERC20Permit, Ownable {
    uint256 public constant MAX_SUPPLY = type(uint96).max;

    error SupplyCapExceeded(uint256 requested, uint256 remaining);

    constructor(address owner_) ERC20("Hearth", "HRTH") ERC20Permit("Hearth") Ownable(owner_) {}

    function decimals() public pure override returns (uint8) {
        return 9;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        uint256 remaining = MAX_SUPPLY - totalSupply();
        if (amount > remaining) revert SupplyCapExceeded(amount, remaining);
        _mint(to, amount);
    }
}
