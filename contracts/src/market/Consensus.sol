// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Contribution} from "./Types.sol";

/// @notice The consensus rule, as odds: each worker's weight w is the odds that a worker of its
/// reputation returns a right result (w = max(score / 3, 3) - 1, so 2 for a new worker). A result is
/// accepted when the product of the weights of the workers who returned it exceeds
/// max(trust - 1, 1) times the product of the weights of all the others. With new workers this asks
/// for 1 contribution at trust 1-2, 2 at 3-4, 4 at 10, 7 at 100 and 14 at 10,000; reputable
/// workers need fewer, and every disagreeing worker raises the bar by its own weight.
library Consensus {
    uint256 internal constant MAX_CONTRIBUTIONS = 24;
    uint256 internal constant MAX_WEIGHT = 255; // 24 weights of 8 bits and a 32-bit trust fit 256 bits

    function weight(uint256 score) internal pure returns (uint256) {
        uint256 w = score / 3;
        if (w < 3) w = 3;
        w -= 1;
        return w > MAX_WEIGHT ? MAX_WEIGHT : w;
    }

    /// @notice What an agreeing worker of weight `w` (at least 2) gets of the reward, relative to the
    /// others: floor(log2(w)). A split linear in the weights would hand nearly all of each reward to
    /// the most reputable keys; by log2 a weight of 255 takes 7 shares where a new worker takes 1.
    function rewardShare(uint256 w) internal pure returns (uint256 share) {
        while (w > 1) {
            w >>= 1;
            ++share;
        }
    }

    /// @return digest the winning result
    /// @return winner the position of one contribution with that result, or type(uint256).max when
    /// no result reaches consensus
    function decide(Contribution[] calldata group, uint256[] memory weights, uint256 trust)
        internal
        pure
        returns (bytes32 digest, uint256 winner)
    {
        uint256 n = group.length;
        uint256 all = 1;
        for (uint256 k = 0; k < n; ++k) {
            all *= weights[k];
        }
        uint256 best;
        winner = type(uint256).max;
        for (uint256 k = 0; k < n; ++k) {
            bytes32 d = group[k].digest;
            bool seen;
            for (uint256 l = 0; l < k; ++l) {
                if (group[l].digest == d) {
                    seen = true;
                    break;
                }
            }
            if (seen) continue;
            uint256 product = weights[k];
            for (uint256 l = k + 1; l < n; ++l) {
                if (group[l].digest == d) product *= weights[l];
            }
            if (product > best) {
                best = product;
                winner = k;
            }
        }
        uint256 threshold = trust > 1 ? trust - 1 : 1;
        if (best <= threshold * (all / best)) return (bytes32(0), type(uint256).max);
        digest = group[winner].digest;
    }
}
