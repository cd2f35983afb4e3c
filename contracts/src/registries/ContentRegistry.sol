// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AssetRegistry} from "./AssetRegistry.sol";

/// @notice A registry of content assets (apps, datasets): the sha256 of the content is stored,
/// the location and name are emitted.
abstract contract ContentRegistry is AssetRegistry {
    mapping(uint256 id => bytes32) private _checksums;

    error EmptyChecksum();

    event Registered(uint256 indexed id, address indexed owner, bytes32 checksum, string location, string name);

    function register(bytes32 checksum, string calldata location, string calldata name) external returns (uint256 id) {
        if (checksum == bytes32(0)) revert EmptyChecksum();
        id = _mintNext(msg.sender);
        _checksums[id] = checksum;
        emit Registered(id, msg.sender, checksum, location, name);
    }

    function checksumOf(uint256 id) external view returns (bytes32) {
        _requireOwned(id);
        return _checksums[id];
    }
}

/// @notice Apps: WASI command modules, identified by the sha256 of the module.
contract AppRegistry is ContentRegistry {
    constructor() ERC721("Hearth Apps", "HAPP") {}
}

/// @notice Datasets, identified by the sha256 of their content.
contract DatasetRegistry is ContentRegistry {
    constructor() ERC721("Hearth Datasets", "HDATA") {}
}
