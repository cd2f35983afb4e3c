// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Asserts} from "./utils/Asserts.sol";
import {Consensus} from "../src/market/Consensus.sol";
import {Contribution} from "../src/market/Types.sol";

/// @notice Exposes the consensus library with calldata arguments, as the market calls it.
contract ConsensusHarness {
    function decide(Contribution[] calldata group, uint256[] memory weights, uint256 trust)
        external
        pure
        returns (bytes32, uint256)
    {
        return Consensus.decide(group, weights, trust);
    }

    function weight(uint256 score) external pure returns (uint256) {
        return Consensus.weight(score);
    }
}

contract ConsensusTest is Asserts {
    bytes32 internal constant A = keccak256("a");
    bytes32 internal constant B = keccak256("b");
    ConsensusHarness internal h;

    function setUp() public {
        h = new ConsensusHarness();
    }

    function group(uint256 agree, uint256 disagree) internal pure returns (Contribution[] memory cs) {
        cs = new Contribution[](agree + disagree);
        for (uint256 k = 0; k < cs.length; ++k) {
            cs[k].digest = k < agree ? A : B;
        }
    }

    function newWeights(uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            w[k] = 2;
        }
    }

    function reaches(uint256 agree, uint256 disagree, uint256 trust) internal view returns (bool) {
        (, uint256 winner) = h.decide(group(agree, disagree), newWeights(agree + disagree), trust);
        return winner != type(uint256).max;
    }

    /// @notice The fewest agreeing new workers (no disagreement) that reach consensus.
    function replicas(uint256 trust) internal view returns (uint256 n) {
        for (n = 1; n <= Consensus.MAX_CONTRIBUTIONS; ++n) {
            if (reaches(n, 0, trust)) return n;
        }
    }

    function test_weight_values() public view {
        assertEq(h.weight(0), 2, "new worker");
        assertEq(h.weight(11), 2, "score 11");
        assertEq(h.weight(12), 3, "score 12");
        assertEq(h.weight(30), 9, "score 30");
        assertEq(h.weight(768), 255, "at cap");
        assertEq(h.weight(type(uint32).max), 255, "capped");
    }

    function test_replicaCounts_matchDocumentation() public view {
        assertEq(replicas(1), 1, "trust 1");
        assertEq(replicas(2), 1, "trust 2");
        assertEq(replicas(3), 2, "trust 3");
        assertEq(replicas(4), 2, "trust 4");
        assertEq(replicas(10), 4, "trust 10");
        assertEq(replicas(100), 7, "trust 100");
        assertEq(replicas(10_000), 14, "trust 10,000");
    }

    function test_decide_returnsWinningDigestAndPosition() public view {
        Contribution[] memory cs = group(1, 3);
        cs[0].digest = B;
        cs[3].digest = A;
        (bytes32 digest, uint256 winner) = h.decide(cs, newWeights(4), 1);
        assertEq(digest, B, "majority digest");
        assertEq(winner, 0, "first position of the winner");
    }

    function test_decide_tieIsNoConsensus() public view {
        (bytes32 digest, uint256 winner) = h.decide(group(2, 2), newWeights(4), 1);
        assertEq(winner, type(uint256).max, "no winner");
        assertEq(digest, bytes32(0), "no digest");
    }

    function test_decide_heavyMinorityCanWin() public view {
        uint256[] memory w = newWeights(3);
        w[0] = 9;
        (bytes32 digest,) = h.decide(group(1, 2), w, 2);
        assertEq(digest, A, "weight 9 against 2 x 2");
    }

    function test_decide_disagreementRaisesTheBar() public view {
        assertTrue(reaches(2, 0, 3), "two agree");
        assertTrue(!reaches(2, 1, 3), "one dissent needs more");
        assertTrue(reaches(3, 1, 3), "three against one");
    }

    function test_decide_maxContributionsDoNotOverflow() public view {
        uint256[] memory w = new uint256[](24);
        for (uint256 k = 0; k < 24; ++k) {
            w[k] = 255;
        }
        (bytes32 digest,) = h.decide(group(24, 0), w, type(uint32).max);
        assertEq(digest, A, "consensus");
        (, uint256 winner) = h.decide(group(12, 12), w, type(uint32).max);
        assertEq(winner, type(uint256).max, "tie");
    }

    function testFuzz_consensusMonotoneInTrust(uint8 agree, uint8 disagree, uint32 t1, uint32 t2, uint256 seed)
        public
        view
    {
        uint256 a = bound(agree, 1, 16);
        uint256 d = bound(disagree, 0, 24 - a);
        uint256 lo = bound(t1, 1, type(uint32).max);
        uint256 hi = bound(t2, lo, type(uint32).max);
        uint256[] memory w = randomWeights(a + d, seed);
        Contribution[] memory cs = group(a, d);
        (, uint256 atHi) = h.decide(cs, w, hi);
        (, uint256 atLo) = h.decide(cs, w, lo);
        if (atHi != type(uint256).max) assertTrue(atLo != type(uint256).max, "consensus at higher trust implies at lower");
    }

    function testFuzz_addingAnAgreeingWorkerKeepsConsensus(uint8 agree, uint8 disagree, uint32 trust, uint256 seed)
        public
        view
    {
        uint256 a = bound(agree, 1, 12);
        uint256 d = bound(disagree, 0, 23 - a);
        uint256 t = bound(trust, 1, type(uint32).max);
        uint256[] memory w = randomWeights(a + d + 1, seed);
        uint256[] memory wBefore = new uint256[](a + d);
        for (uint256 k = 0; k < a + d; ++k) {
            wBefore[k] = w[k < a ? k : k + 1];
        }
        (bytes32 before, uint256 winnerBefore) = h.decide(group(a, d), wBefore, t);
        vm.assume(winnerBefore != type(uint256).max);
        Contribution[] memory more = group(a + 1, d);
        if (before == B) {
            for (uint256 k = 0; k < more.length; ++k) {
                more[k].digest = k < a ? A : B;
            }
            more[a].digest = B;
        }
        (bytes32 after_, uint256 winnerAfter) = h.decide(more, w, t);
        assertTrue(winnerAfter != type(uint256).max, "still consensus");
        assertEq(after_, before, "same result");
    }

    function testFuzz_winnerProductBeatsThreshold(uint8 agree, uint8 disagree, uint32 trust) public view {
        uint256 a = bound(agree, 1, 20);
        uint256 d = bound(disagree, 0, 24 - a);
        uint256 t = bound(trust, 1, type(uint32).max);
        bool ok = reaches(a, d, t);
        uint256 threshold = t > 1 ? t - 1 : 1;
        uint256 margin = a > d ? a - d : d - a;
        bool expected = margin != 0 && (uint256(1) << margin) > threshold;
        assertTrue(ok == expected, "odds rule for new workers: 2^|agree - disagree| > max(trust - 1, 1)");
    }

    function randomWeights(uint256 n, uint256 seed) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            w[k] = 2 + uint256(keccak256(abi.encode(seed, k))) % 254;
        }
    }
}
