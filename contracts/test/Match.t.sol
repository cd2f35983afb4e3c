// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Vm, vm} from "./utils/Vm.sol";
import {Base, Orders} from "./Base.t.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Escrow} from "../src/market/Escrow.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {Deal} from "../src/market/Types.sol";

contract MatchTest is Base {
    HearthMarket.Party internal constant APP = HearthMarket.Party.App;
    HearthMarket.Party internal constant DATASET = HearthMarket.Party.Dataset;
    HearthMarket.Party internal constant POOL = HearthMarket.Party.Workerpool;
    HearthMarket.Party internal constant REQUESTER = HearthMarket.Party.Requester;

    function expectMismatch(Orders memory o, HearthMarket.Party party, string memory what) internal {
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.Mismatch.selector, party, what));
        callMatch(o);
    }

    function expectRestricted(Orders memory o, HearthMarket.Party party, string memory what) internal {
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.Restricted.selector, party, what));
        callMatch(o);
    }

    // ------------------------------------------------------------ the deal

    function test_match_emitsTermsAndLocksFunds() public {
        Orders memory o = signAll(orders());
        bytes32 requestHash = market.hashRequestOrder(o.r);
        (bytes32 dealId, Deal memory d) = matchDeal(o);
        assertEq(dealId, requestHash, "deal id is the request hash");
        assertEq(d.app, app, "app");
        assertEq(d.appOwner, appOwner, "app owner");
        assertEq(d.appPrice, APP_PRICE, "app price");
        assertEq(d.dataset, dataset, "dataset");
        assertEq(d.datasetOwner, datasetOwner, "dataset owner");
        assertEq(d.datasetPrice, DATASET_PRICE, "dataset price");
        assertEq(d.workerpool, pool, "pool");
        assertEq(d.poolOwner, poolOwner, "pool owner");
        assertEq(d.scheduler, scheduler, "scheduler");
        assertEq(d.poolPrice, POOL_PRICE, "pool price");
        assertEq(d.requester, requester, "requester");
        assertEq(d.beneficiary, requester, "beneficiary");
        assertEq(d.callback, address(0), "callback");
        assertEq(d.volume, 1, "volume");
        assertEq(d.trust, 1, "trust");
        assertEq(d.category, 0, "category");
        assertEq(d.start, block.timestamp, "start");
        assertEq(d.deadline, block.timestamp + 10 * 300, "deadline");
        assertEq(d.poolStake, POOL_STAKE, "pool stake");
        assertEq(d.workerStake, WORKER_STAKE, "worker stake");
        assertEq(d.schedulerShare, SCHEDULER_SHARE, "share");
        assertEq(d.tag, bytes32(0), "tag");

        assertEq(lockedOf(requester), PRICE, "requester locked");
        assertEq(balanceOf(requester), FUNDS - PRICE, "requester free");
        assertEq(lockedOf(poolOwner), POOL_STAKE, "pool locked");
        assertEq(balanceOf(poolOwner), FUNDS - POOL_STAKE, "pool free");
        assertEq(market.remainingRequest(dealId, o.r.volume), 0, "request consumed");
        assertEq(market.consumed(market.hashAppOrder(o.a)), 1, "app consumed");
        assertEq(market.consumed(market.hashDatasetOrder(o.d)), 1, "dataset consumed");
        assertEq(market.consumed(market.hashWorkerpoolOrder(o.p)), 1, "pool consumed");
        assertEq(market.remaining(market.hashAppOrder(o.a), o.a.volume), 9, "app remaining");
    }

    function test_match_emitsDealCreatedWithParams() public {
        Orders memory o = signAll(orders());
        bytes32 requestHash = market.hashRequestOrder(o.r);
        vm.recordLogs();
        callMatch(o);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        Vm.Log memory log = logs[logs.length - 1];
        assertEq(log.topics[0], HearthMarket.DealCreated.selector, "last log");
        assertEq(log.topics[1], requestHash, "deal id topic");
        assertEq(uint256(log.topics[2]), pool, "pool topic");
        assertEq(address(uint160(uint256(log.topics[3]))), requester, "requester topic");
        (, string memory params) = abi.decode(log.data, (Deal, string));
        assertEq(keccak256(bytes(params)), keccak256("--size 1024"), "params");
    }

    function test_match_withoutDataset() public {
        Orders memory o = orders();
        withoutDataset(o);
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.dataset, 0, "no dataset");
        assertEq(d.datasetOwner, address(0), "no dataset owner");
        assertEq(d.datasetPrice, 0, "no dataset price");
        assertEq(lockedOf(requester), APP_PRICE + POOL_PRICE, "locked");
    }

    function test_match_datasetPriceIgnoredWithoutDataset() public {
        Orders memory o = orders();
        withoutDataset(o);
        o.d.datasetprice = 5e9;
        matchDeal(signAll(o));
        assertEq(lockedOf(requester), APP_PRICE + POOL_PRICE, "locked");
    }

    function test_match_anyPoolWhenRequestNamesNone() public {
        Orders memory o = orders();
        o.r.workerpool = 0;
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.workerpool, pool, "pool");
    }

    function test_match_usesRequestTrustAndLongerCategory() public {
        Orders memory o = orders();
        o.r.trust = 7;
        o.r.category = 3;
        o.p.category = 3;
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.trust, 7, "trust");
        assertEq(d.category, 3, "category");
        assertEq(d.deadline, block.timestamp + 10 * 10_800, "deadline");
    }

    function test_match_zeroTrustMeansOne() public {
        Orders memory o = orders();
        o.r.trust = 0;
        o.p.trust = 0;
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.trust, 1, "trust");
    }

    function test_match_freePricesLockNothing() public {
        Orders memory o = orders();
        o.a.appprice = 0;
        o.d.datasetprice = 0;
        o.p.workerpoolprice = 0;
        matchDeal(signAll(o));
        assertEq(lockedOf(requester), 0, "requester locked");
        assertEq(lockedOf(poolOwner), 0, "pool locked");
    }

    // ------------------------------------------------------------ mismatches

    function test_match_revertsOnAppMismatch() public {
        Orders memory o = orders();
        o.r.app = 2;
        expectMismatch(o, APP, "app");
    }

    function test_match_revertsOnDatasetMismatch() public {
        Orders memory o = orders();
        o.d.dataset = 2;
        expectMismatch(o, DATASET, "dataset");
    }

    function test_match_revertsOnWorkerpoolMismatch() public {
        Orders memory o = orders();
        o.r.workerpool = 2;
        expectMismatch(o, POOL, "workerpool");
    }

    function test_match_revertsOnCategoryMismatch() public {
        Orders memory o = orders();
        o.r.category = 1;
        expectMismatch(o, POOL, "category");
    }

    function test_match_revertsOnUnknownCategory() public {
        Orders memory o = orders();
        o.r.category = 5;
        o.p.category = 5;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownCategory.selector, 5));
        callMatch(o);
    }

    function test_match_revertsOnUnknownApp() public {
        Orders memory o = orders();
        o.a.app = 9;
        o.r.app = 9;
        o.aSig = "";
        o.dSig = signHash(DATASET_KEY, market.hashDatasetOrder(o.d));
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 9));
        callMatch(o);
    }

    function test_match_revertsOnUnknownPool() public {
        Orders memory o = orders();
        o.p.workerpool = 9;
        o.r.workerpool = 9;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 9));
        callMatch(o);
    }

    // ------------------------------------------------------------ trust and prices

    function test_match_revertsWhenTrustAboveOffer() public {
        Orders memory o = orders();
        o.p.trust = 5;
        o.r.trust = 6;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TrustTooHigh.selector, 6, 5));
        callMatch(o);
    }

    function test_match_revertsWhenTrustAboveOfferOfZero() public {
        Orders memory o = orders();
        o.p.trust = 0;
        o.r.trust = 2;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TrustTooHigh.selector, 2, 1));
        callMatch(o);
    }

    function test_match_revertsWhenTrustExceeds32Bits() public {
        Orders memory o = orders();
        o.p.trust = type(uint256).max;
        o.r.trust = uint256(type(uint32).max) + 1;
        signAll(o);
        vm.expectRevert(
            abi.encodeWithSelector(HearthMarket.TrustTooHigh.selector, uint256(type(uint32).max) + 1, o.p.trust)
        );
        callMatch(o);
    }

    function test_match_revertsOnAppPriceAboveMax() public {
        Orders memory o = orders();
        o.a.appprice = APP_PRICE + 1;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.PriceTooHigh.selector, APP, APP_PRICE + 1, APP_PRICE));
        callMatch(o);
    }

    function test_match_revertsOnDatasetPriceAboveMax() public {
        Orders memory o = orders();
        o.d.datasetprice = DATASET_PRICE + 1;
        signAll(o);
        vm.expectRevert(
            abi.encodeWithSelector(HearthMarket.PriceTooHigh.selector, DATASET, DATASET_PRICE + 1, DATASET_PRICE)
        );
        callMatch(o);
    }

    function test_match_revertsOnPoolPriceAboveMax() public {
        Orders memory o = orders();
        o.p.workerpoolprice = POOL_PRICE + 1;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.PriceTooHigh.selector, POOL, POOL_PRICE + 1, POOL_PRICE));
        callMatch(o);
    }

    function test_match_chargesAskedPriceNotMaximum() public {
        Orders memory o = orders();
        o.r.appmaxprice = 10e9;
        o.r.workerpoolmaxprice = 10e9;
        o.r.datasetmaxprice = 10e9;
        matchDeal(signAll(o));
        assertEq(lockedOf(requester), PRICE, "locked at asked prices");
    }

    function test_match_revertsOnPriceAbove96Bits() public {
        Orders memory o = orders();
        o.a.appprice = uint256(type(uint96).max) + 1;
        o.r.appmaxprice = type(uint256).max;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, o.a.appprice));
        callMatch(o);
    }

    function testFuzz_match_locksPriceTimesVolume(uint96 appPrice, uint96 poolPrice, uint8 volume) public {
        uint256 v = bound(volume, 1, 50);
        appPrice = uint96(bound(appPrice, 0, 5e9));
        poolPrice = uint96(bound(poolPrice, 0, 5e9));
        Orders memory o = orders();
        withoutDataset(o);
        o.a.appprice = appPrice;
        o.r.appmaxprice = appPrice;
        o.p.workerpoolprice = poolPrice;
        o.r.workerpoolmaxprice = poolPrice;
        o.a.volume = 100;
        o.p.volume = 100;
        o.r.volume = v;
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.volume, v, "volume");
        assertEq(lockedOf(requester), (uint256(appPrice) + poolPrice) * v, "requester locked");
        assertEq(lockedOf(poolOwner), uint256(poolPrice) * 30 / 100 * v, "pool locked");
        uint256 policyStake = uint256(poolPrice) * WORKER_STAKE_PERCENT / 100;
        assertEq(d.workerStake, policyStake > MIN_WORKER_STAKE ? policyStake : MIN_WORKER_STAKE, "worker stake");
    }

    function testFuzz_match_trustWithinOffer(uint256 requested, uint256 offered) public {
        requested = bound(requested, 0, type(uint32).max);
        offered = bound(offered, 0, type(uint32).max);
        Orders memory o = orders();
        o.r.trust = requested;
        o.p.trust = offered;
        signAll(o);
        uint256 r = requested == 0 ? 1 : requested;
        uint256 p = offered == 0 ? 1 : offered;
        if (r > p) {
            vm.expectRevert(abi.encodeWithSelector(HearthMarket.TrustTooHigh.selector, r, p));
            callMatch(o);
        } else {
            (, Deal memory d) = matchDeal(o);
            assertEq(d.trust, r, "trust");
        }
    }

    // ------------------------------------------------------------ tags

    function test_match_revertsOnAppTagNotOffered() public {
        Orders memory o = orders();
        o.a.tag = bytes32(uint256(0x3));
        o.p.tag = bytes32(uint256(0x1));
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TagNotOffered.selector, bytes32(uint256(0x2))));
        callMatch(o);
    }

    function test_match_revertsOnDatasetTagNotOffered() public {
        Orders memory o = orders();
        o.d.tag = bytes32(uint256(0x4));
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TagNotOffered.selector, bytes32(uint256(0x4))));
        callMatch(o);
    }

    function test_match_revertsOnRequestTagNotOffered() public {
        Orders memory o = orders();
        o.r.tag = bytes32(uint256(0x8));
        o.p.tag = bytes32(uint256(0x7));
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TagNotOffered.selector, bytes32(uint256(0x8))));
        callMatch(o);
    }

    function test_match_ignoresDatasetTagWithoutDataset() public {
        Orders memory o = orders();
        withoutDataset(o);
        o.d.tag = bytes32(uint256(0x4));
        matchDeal(signAll(o));
    }

    function test_match_acceptsTagSubsetAndRecordsWhatWasAsked() public {
        Orders memory o = orders();
        o.a.tag = bytes32(uint256(0x1));
        o.d.tag = bytes32(uint256(0x2));
        o.r.tag = bytes32(uint256(0x4));
        o.p.tag = bytes32(uint256(0xF));
        (, Deal memory d) = matchDeal(signAll(o));
        // The deal records what its parties asked for (the worker runs with those resources), not all the pool offers.
        assertEq(d.tag, bytes32(uint256(0x7)), "asked tag");
    }

    // ------------------------------------------------------------ the seal

    /// The commitment covers the hash of the block before the match, which the chain draws: terms that collide with a
    /// deal's cannot be searched for ahead of the match, and terms passed back with another seal are another deal.
    function test_match_sealsTheDealWithThePreviousBlockHash() public {
        vm.roll(block.number + 5);
        bytes32 parent = blockhash(block.number - 1);
        assertTrue(parent != bytes32(0), "anvil gives block hashes");
        (bytes32 id, Deal memory d) = matchDeal(signAll(orders()));
        assertEq(d.seal, parent, "seal");

        vm.warp(d.deadline);
        d.seal = bytes32(uint256(d.seal) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, id));
        vm.prank(requester);
        market.claim(d, id, list(0));
    }

    function test_match_recordsNoDatasetTagWithoutDataset() public {
        Orders memory o = orders();
        withoutDataset(o);
        o.d.tag = bytes32(uint256(0x4));
        o.r.tag = bytes32(uint256(0x100));
        o.p.tag = bytes32(uint256(0x104));
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.tag, bytes32(uint256(0x100)), "request tag only");
    }

    function testFuzz_match_tagsMustBeSubsetOfPoolTag(bytes32 appTag, bytes32 requestTag, bytes32 poolTag) public {
        Orders memory o = orders();
        o.a.tag = appTag;
        o.r.tag = requestTag;
        o.p.tag = poolTag;
        signAll(o);
        bytes32 missing = (appTag | requestTag) & ~poolTag;
        if (missing != 0) {
            vm.expectRevert(abi.encodeWithSelector(HearthMarket.TagNotOffered.selector, missing));
            callMatch(o);
        } else {
            matchDeal(o);
        }
    }

    // ------------------------------------------------------------ restrictions

    function test_match_appDatasetRestriction() public {
        Orders memory o = orders();
        o.a.datasetrestrict = 2;
        expectRestricted(o, APP, "dataset");
    }

    function test_match_appWorkerpoolRestriction() public {
        Orders memory o = orders();
        o.a.workerpoolrestrict = 2;
        expectRestricted(o, APP, "workerpool");
    }

    function test_match_appRequesterRestriction() public {
        Orders memory o = orders();
        o.a.requesterrestrict = stranger;
        expectRestricted(o, APP, "requester");
    }

    function test_match_datasetAppRestriction() public {
        Orders memory o = orders();
        o.d.apprestrict = 2;
        expectRestricted(o, DATASET, "app");
    }

    function test_match_datasetWorkerpoolRestriction() public {
        Orders memory o = orders();
        o.d.workerpoolrestrict = 2;
        expectRestricted(o, DATASET, "workerpool");
    }

    function test_match_datasetRequesterRestriction() public {
        Orders memory o = orders();
        o.d.requesterrestrict = stranger;
        expectRestricted(o, DATASET, "requester");
    }

    function test_match_poolAppRestriction() public {
        Orders memory o = orders();
        o.p.apprestrict = 2;
        expectRestricted(o, POOL, "app");
    }

    function test_match_poolDatasetRestriction() public {
        Orders memory o = orders();
        o.p.datasetrestrict = 2;
        expectRestricted(o, POOL, "dataset");
    }

    function test_match_poolRequesterRestriction() public {
        Orders memory o = orders();
        o.p.requesterrestrict = stranger;
        expectRestricted(o, POOL, "requester");
    }

    function test_match_appDatasetRestrictionExcludesNoDataset() public {
        Orders memory o = orders();
        withoutDataset(o);
        o.a.datasetrestrict = dataset;
        expectRestricted(o, APP, "dataset");
    }

    function test_match_satisfiedRestrictionsMatch() public {
        Orders memory o = orders();
        o.a.datasetrestrict = dataset;
        o.a.workerpoolrestrict = pool;
        o.a.requesterrestrict = requester;
        o.d.apprestrict = app;
        o.d.workerpoolrestrict = pool;
        o.d.requesterrestrict = requester;
        o.p.apprestrict = app;
        o.p.datasetrestrict = dataset;
        o.p.requesterrestrict = requester;
        matchDeal(signAll(o));
    }

    // ------------------------------------------------------------ expiry

    function test_match_revertsOnExpiredAppOrder() public {
        Orders memory o = orders();
        o.a.expiry = block.timestamp - 1;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderExpired.selector, APP, block.timestamp - 1));
        callMatch(o);
    }

    function test_match_revertsOnExpiredDatasetOrder() public {
        Orders memory o = orders();
        o.d.expiry = block.timestamp - 1;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderExpired.selector, DATASET, block.timestamp - 1));
        callMatch(o);
    }

    function test_match_revertsOnExpiredPoolOrder() public {
        Orders memory o = orders();
        o.p.expiry = block.timestamp - 1;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderExpired.selector, POOL, block.timestamp - 1));
        callMatch(o);
    }

    function test_match_revertsOnExpiredRequestOrder() public {
        Orders memory o = orders();
        o.r.expiry = block.timestamp + 60;
        signAll(o);
        vm.warp(block.timestamp + 61);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderExpired.selector, REQUESTER, o.r.expiry));
        callMatch(o);
    }

    function test_match_acceptsOrdersAtTheirExpiry() public {
        Orders memory o = orders();
        o.a.expiry = block.timestamp;
        o.d.expiry = block.timestamp;
        o.p.expiry = block.timestamp;
        o.r.expiry = block.timestamp;
        matchDeal(signAll(o));
    }

    // ------------------------------------------------------------ volumes

    function test_match_dealVolumeIsSmallestRemaining() public {
        Orders memory o = orders();
        o.a.volume = 7;
        o.d.volume = 5;
        o.p.volume = 6;
        o.r.volume = 9;
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.volume, 5, "volume");
        assertEq(lockedOf(requester), 5 * PRICE, "locked");
        assertEq(lockedOf(poolOwner), 5 * POOL_STAKE, "pool locked");
    }

    function test_match_consumesOnlyTheDealVolumeOfEveryOrder() public {
        Orders memory o = orders();
        o.a.volume = 10;
        o.d.volume = 10;
        o.p.volume = 3;
        o.r.volume = 10;
        (, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.volume, 3, "volume");
        assertEq(market.consumed(market.hashAppOrder(o.a)), 3, "app consumed");
        assertEq(market.consumed(market.hashDatasetOrder(o.d)), 3, "dataset consumed");
        assertEq(market.consumed(market.hashWorkerpoolOrder(o.p)), 3, "pool consumed");
    }

    function test_match_partialVolumesAcrossRequests() public {
        Orders memory o = orders();
        o.a.volume = 5;
        o.r.volume = 3;
        (, Deal memory first) = matchDeal(signAll(o));
        assertEq(first.volume, 3, "first deal");
        o.r.salt = keccak256("second request");
        (, Deal memory second) = matchDeal(signAll(o));
        assertEq(second.volume, 2, "second deal takes the rest of the app order");
        bytes32 appHash = market.hashAppOrder(o.a);
        assertEq(market.consumed(appHash), 5, "app consumed");
        assertEq(market.remaining(appHash, 5), 0, "nothing left");
        assertEq(market.consumed(market.hashWorkerpoolOrder(o.p)), 5, "pool consumed");

        o.r.salt = keccak256("third request");
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, APP, appHash));
        callMatch(o);
    }

    function test_match_revertsOnConsumedPoolOrder() public {
        Orders memory o = orders();
        o.p.volume = 1;
        matchDeal(signAll(o));
        o.r.salt = keccak256("again");
        signAll(o);
        bytes32 h = market.hashWorkerpoolOrder(o.p);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, POOL, h));
        callMatch(o);
    }

    function test_match_revertsOnConsumedDatasetOrder() public {
        Orders memory o = orders();
        o.d.volume = 1;
        matchDeal(signAll(o));
        o.r.salt = keccak256("again");
        signAll(o);
        bytes32 h = market.hashDatasetOrder(o.d);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, DATASET, h));
        callMatch(o);
    }

    function test_match_requestMatchedAtMostOnce() public {
        Orders memory o = signAll(orders());
        bytes32 dealId = callMatch(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, REQUESTER, dealId));
        callMatch(o);
    }

    function test_match_revertsOnZeroVolumeRequest() public {
        Orders memory o = orders();
        o.r.volume = 0;
        signAll(o);
        bytes32 h = market.hashRequestOrder(o.r);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, REQUESTER, h));
        callMatch(o);
    }

    function test_match_revertsOnZeroVolumeAppOrder() public {
        Orders memory o = orders();
        o.a.volume = 0;
        signAll(o);
        bytes32 h = market.hashAppOrder(o.a);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, APP, h));
        callMatch(o);
    }

    function test_match_revertsOnVolumeAbove32Bits() public {
        Orders memory o = orders();
        uint256 huge = uint256(type(uint32).max) + 1;
        o.a.appprice = 0;
        o.d.datasetprice = 0;
        o.p.workerpoolprice = 0;
        o.a.volume = huge;
        o.d.volume = huge;
        o.p.volume = huge;
        o.r.volume = huge;
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.VolumeTooLarge.selector, huge));
        callMatch(o);
    }

    function testFuzz_match_volumeIsMinimumOfRemaining(uint16 a, uint16 d, uint16 p, uint16 r) public {
        Orders memory o = orders();
        o.a.volume = bound(a, 1, 300);
        o.d.volume = bound(d, 1, 300);
        o.p.volume = bound(p, 1, 300);
        o.r.volume = bound(r, 1, 300);
        o.a.appprice = 1;
        o.d.datasetprice = 1;
        o.p.workerpoolprice = 1;
        (, Deal memory deal) = matchDeal(signAll(o));
        uint256 expected = o.a.volume;
        if (o.d.volume < expected) expected = o.d.volume;
        if (o.p.volume < expected) expected = o.p.volume;
        if (o.r.volume < expected) expected = o.r.volume;
        assertEq(deal.volume, expected, "volume");
        assertEq(market.consumed(market.hashAppOrder(o.a)), expected, "app consumed");
        assertEq(market.consumed(market.hashDatasetOrder(o.d)), expected, "dataset consumed");
        assertEq(market.consumed(market.hashWorkerpoolOrder(o.p)), expected, "pool consumed");
    }

    // ------------------------------------------------------------ funding

    function test_match_revertsWhenRequesterUnfunded() public {
        Orders memory o = orders();
        o.r.requester = stranger;
        o.a.volume = 2;
        o.r.volume = 2;
        o.aSig = signHash(APP_KEY, market.hashAppOrder(o.a));
        o.dSig = signHash(DATASET_KEY, market.hashDatasetOrder(o.d));
        o.pSig = signHash(POOL_KEY, market.hashWorkerpoolOrder(o.p));
        o.rSig = signHash(STRANGER_KEY, market.hashRequestOrder(o.r));
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientBalance.selector, stranger, 2 * PRICE, 0));
        callMatch(o);
    }

    function test_match_revertsWhenPoolOwnerUnfunded() public {
        vm.prank(poolOwner);
        market.withdraw(FUNDS);
        Orders memory o = signAll(orders());
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientBalance.selector, poolOwner, POOL_STAKE, 0));
        callMatch(o);
    }

    function test_match_paysCurrentOwnerAfterAssetTransfer() public {
        vm.prank(appOwner);
        apps.transferFrom(appOwner, stranger, app);
        Orders memory o = signAll(orders());
        o.aSig = signHash(STRANGER_KEY, market.hashAppOrder(o.a));
        (, Deal memory d) = matchDeal(o);
        assertEq(d.appOwner, stranger, "payee is the current owner");
    }

    // ------------------------------------------------------------ categories

    function test_categories_defaults() public view {
        assertEq(market.categoryCount(), 5, "count");
        assertEq(market.categoryTime(0), 300, "cat 0");
        assertEq(market.categoryTime(4), 36_000, "cat 4");
        assertEq(market.categoryTime(5), 0, "unknown");
    }

    function test_createCategory_byOwner() public {
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.CategoryCreated(5, 60);
        uint256 id = market.createCategory(60);
        assertEq(id, 5, "id");
        assertEq(market.categoryTime(5), 60, "time");
        assertEq(market.categoryCount(), 6, "count");
    }

    function test_createCategory_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        vm.prank(stranger);
        market.createCategory(60);
    }

    function test_createCategory_revertsOnZeroTime() public {
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadCategory.selector, 0));
        market.createCategory(0);
    }
}
