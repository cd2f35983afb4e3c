// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Common base of the app, dataset and workerpool registries: each asset is an ERC-721
/// token with a sequential id (0 means "none" everywhere in the market). Only what the chain must
/// certify is stored; locations and names are emitted in events, where watchers read them.
abstract contract AssetRegistry is ERC721 {
    uint256 private _next = 1;

    error NotAssetOwner(uint256 id, address caller);

    event AssetLocation(uint256 indexed id, string location);

    modifier onlyAssetOwner(uint256 id) {
        if (_ownerOf(id) != msg.sender) revert NotAssetOwner(id, msg.sender);
        _;
    }

    function count() external view returns (uint256) {
        return _next - 1;
    }

    /// @notice Points the asset at a new copy of the same content (its checksum does not change).
    function setLocation(uint256 id, string calldata location) external onlyAssetOwner(id) {
        emit AssetLocation(id, location);
    }

    function _mintNext(address owner) internal returns (uint256 id) {
        id = _next++;
        _mint(owner, id);
    }
}
