// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {MockWallet} from "./utils/Mocks.sol";
import {Base, Orders} from "./Base.t.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder, Deal} from "../src/market/Types.sol";

contract SignaturesTest is Base {
    HearthMarket.Party internal constant APP = HearthMarket.Party.App;
    HearthMarket.Party internal constant DATASET = HearthMarket.Party.Dataset;
    HearthMarket.Party internal constant POOL = HearthMarket.Party.Workerpool;
    HearthMarket.Party internal constant REQUESTER = HearthMarket.Party.Requester;

    function expectBadSignature(Orders memory o, HearthMarket.Party party, bytes32 h) internal {
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadSignature.selector, party, h));
        callMatch(o);
    }

    // ------------------------------------------------------------ EIP-712 digests

    function test_domainSeparator_matchesIndependentComputation() public view {
        assertEq(market.domainSeparator(), localDomainSeparator(address(market)), "domain separator");
    }

    function test_orderHashes_matchIndependentComputation() public view {
        Orders memory o = orders();
        o.a.tag = bytes32(uint256(5));
        o.a.requesterrestrict = stranger;
        o.d.apprestrict = app;
        o.p.category = 2;
        o.p.trust = 3;
        o.r.callback = address(0xCA11);
        o.r.expiry = 12345;
        assertEq(market.hashAppOrder(o.a), localAppHash(o.a), "app order");
        assertEq(market.hashDatasetOrder(o.d), localDatasetHash(o.d), "dataset order");
        assertEq(market.hashWorkerpoolOrder(o.p), localPoolHash(o.p), "pool order");
        assertEq(market.hashRequestOrder(o.r), localRequestHash(o.r), "request order");
    }

    function testFuzz_requestHash_matchesIndependentComputation(
        uint256 volume,
        bytes32 tag,
        uint256 trust,
        string calldata params,
        bytes32 salt
    ) public view {
        RequestOrder memory r = requestOrder();
        r.volume = volume;
        r.tag = tag;
        r.trust = trust;
        r.params = params;
        r.salt = salt;
        assertEq(market.hashRequestOrder(r), localRequestHash(r), "request order");
    }

    function testFuzz_appHash_matchesIndependentComputation(uint256 price, uint256 volume, bytes32 salt) public view {
        AppOrder memory a = appOrder();
        a.appprice = price;
        a.volume = volume;
        a.salt = salt;
        assertEq(market.hashAppOrder(a), localAppHash(a), "app order");
    }

    function test_contributionHash_matchesIndependentComputation() public view {
        bytes32 dealId = keccak256("deal");
        bytes32 tid = market.taskId(dealId, 70);
        assertEq(tid, keccak256(abi.encodePacked(dealId, uint256(70))), "task id");
        assertEq(market.hashContribution(tid, keccak256("digest")), localContributionHash(dealId, 70, keccak256("digest")), "contribution");
    }

    // ------------------------------------------------------------ bad signatures

    function test_match_rejectsSignatureByNonOwner() public {
        Orders memory o = signAll(orders());
        o.aSig = signHash(STRANGER_KEY, market.hashAppOrder(o.a));
        expectBadSignature(o, APP, market.hashAppOrder(o.a));

        o = signAll(orders());
        o.dSig = signHash(STRANGER_KEY, market.hashDatasetOrder(o.d));
        expectBadSignature(o, DATASET, market.hashDatasetOrder(o.d));

        o = signAll(orders());
        o.pSig = signHash(SCHEDULER_KEY, market.hashWorkerpoolOrder(o.p));
        expectBadSignature(o, POOL, market.hashWorkerpoolOrder(o.p));

        o = signAll(orders());
        o.rSig = signHash(STRANGER_KEY, market.hashRequestOrder(o.r));
        expectBadSignature(o, REQUESTER, market.hashRequestOrder(o.r));
    }

    function test_match_rejectsHighS() public {
        Orders memory o = signAll(orders());
        bytes32 h = market.hashAppOrder(o.a);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(APP_KEY, h);
        bytes32 highS = bytes32(ORDER - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        assertTrue(uint256(highS) > HALF_ORDER, "s is high");
        assertEq(ecrecover(h, flippedV, r, highS), appOwner, "the malleable twin recovers the owner");
        o.aSig = abi.encodePacked(r, highS, flippedV);
        expectBadSignature(o, APP, h);
    }

    function test_match_rejectsWrongV() public {
        Orders memory o = signAll(orders());
        bytes32 h = market.hashRequestOrder(o.r);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(REQUESTER_KEY, h);
        o.rSig = abi.encodePacked(r, s, v == 27 ? uint8(28) : uint8(27));
        expectBadSignature(o, REQUESTER, h);
        o.rSig = abi.encodePacked(r, s, v - 27);
        expectBadSignature(o, REQUESTER, h);
        o.rSig = abi.encodePacked(r, s, uint8(29));
        expectBadSignature(o, REQUESTER, h);
    }

    function test_match_rejectsCompactOrTruncatedSignature() public {
        Orders memory o = signAll(orders());
        bytes32 h = market.hashWorkerpoolOrder(o.p);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(POOL_KEY, h);
        o.pSig = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        expectBadSignature(o, POOL, h);
        o.pSig = abi.encodePacked(r, s);
        expectBadSignature(o, POOL, h);
        o.pSig = abi.encodePacked(r, s, v, uint8(0));
        expectBadSignature(o, POOL, h);
    }

    function test_match_rejectsZeroSignature() public {
        Orders memory o = signAll(orders());
        o.dSig = new bytes(65);
        expectBadSignature(o, DATASET, market.hashDatasetOrder(o.d));
    }

    function test_match_rejectsEmptySignatureWithoutPresign() public {
        Orders memory o = signAll(orders());
        o.aSig = "";
        expectBadSignature(o, APP, market.hashAppOrder(o.a));
    }

    function test_match_senderNeedsNoSignatureForItsOwnOrder() public {
        Orders memory o = signAll(orders());
        o.rSig = "";
        vm.prank(requester);
        bytes32 dealId = callMatch(o);
        assertEq(market.remainingRequest(dealId, o.r.volume), 0, "matched by its requester");
    }

    function test_match_emptySignatureFromAnotherSenderIsRejected() public {
        Orders memory o = signAll(orders());
        o.pSig = "";
        bytes32 h = market.hashWorkerpoolOrder(o.p);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadSignature.selector, POOL, h));
        vm.prank(scheduler);
        callMatch(o);
    }

    function test_match_rejectsSignatureOfAnotherOrder() public {
        Orders memory o = signAll(orders());
        bytes memory sig = o.aSig;
        o.a.salt = keccak256("another app order");
        o.aSig = sig;
        expectBadSignature(o, APP, market.hashAppOrder(o.a));
    }

    function test_match_rejectsChangedOrderTerms() public {
        Orders memory o = signAll(orders());
        o.p.workerpoolprice = POOL_PRICE - 1;
        expectBadSignature(o, POOL, market.hashWorkerpoolOrder(o.p));
    }

    // ------------------------------------------------------------ replay across contracts and chains

    function test_match_rejectsOrdersSignedForAnotherMarket() public {
        Orders memory o = signAll(orders());
        HearthMarket other = deployMarket();
        bytes32 h = other.hashAppOrder(o.a);
        assertTrue(h != market.hashAppOrder(o.a), "hashes differ across markets");
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadSignature.selector, APP, h));
        other.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig);
    }

    function test_match_rejectsOrdersSignedOnAnotherChain() public {
        Orders memory o = signAll(orders());
        bytes32 before = market.hashAppOrder(o.a);
        vm.chainId(block.chainid + 1);
        bytes32 h = market.hashAppOrder(o.a);
        assertTrue(h != before, "hash depends on the chain");
        assertEq(market.domainSeparator(), localDomainSeparator(address(market)), "separator follows the chain");
        expectBadSignature(o, APP, h);
    }

    // ------------------------------------------------------------ ERC-1271 signers

    function walletRequest(MockWallet wallet) internal returns (Orders memory o) {
        fundWallet(wallet);
        o = orders();
        o.r.requester = address(wallet);
        signAll(o);
        o.rSig = signHash(STRANGER_KEY, market.hashRequestOrder(o.r));
    }

    function fundWallet(MockWallet wallet) internal {
        token.mint(address(this), 100e9);
        token.approve(address(market), 100e9);
        market.depositFor(address(wallet), 100e9);
    }

    function test_match_acceptsErc1271Requester() public {
        MockWallet wallet = new MockWallet(stranger);
        Orders memory o = walletRequest(wallet);
        (, Deal memory d) = matchDeal(o);
        assertEq(d.requester, address(wallet), "requester");
        assertEq(lockedOf(address(wallet)), PRICE, "wallet locked");
    }

    function test_match_rejectsErc1271RequesterWithWrongSigner() public {
        MockWallet wallet = new MockWallet(stranger);
        Orders memory o = walletRequest(wallet);
        o.rSig = signHash(REQUESTER_KEY, market.hashRequestOrder(o.r));
        expectBadSignature(o, REQUESTER, market.hashRequestOrder(o.r));
    }

    function test_match_rejectsErc1271WalletThatRefuses() public {
        MockWallet wallet = new MockWallet(stranger);
        Orders memory o = walletRequest(wallet);
        wallet.setRefuseAll(true);
        expectBadSignature(o, REQUESTER, market.hashRequestOrder(o.r));
    }

    function test_match_acceptsErc1271AppOwner() public {
        MockWallet wallet = new MockWallet(stranger);
        vm.prank(appOwner);
        apps.transferFrom(appOwner, address(wallet), app);
        Orders memory o = signAll(orders());
        o.aSig = signHash(STRANGER_KEY, market.hashAppOrder(o.a));
        (, Deal memory d) = matchDeal(o);
        assertEq(d.appOwner, address(wallet), "app owner");
    }

    function test_match_rejectsContractSignerWithoutErc1271() public {
        vm.prank(appOwner);
        apps.transferFrom(appOwner, address(token), app);
        Orders memory o = signAll(orders());
        expectBadSignature(o, APP, market.hashAppOrder(o.a));
    }

    function test_presign_byErc1271Wallet() public {
        MockWallet wallet = new MockWallet(stranger);
        fundWallet(wallet);
        Orders memory o = signAll(orders());
        o.r.requester = address(wallet);
        wallet.execute(address(market), abi.encodeCall(HearthMarket.presignRequestOrder, (o.r)));
        o.rSig = "";
        matchDeal(o);
    }

    // ------------------------------------------------------------ pre-signing

    function test_presign_eachOrderKindReplacesSignature() public {
        Orders memory o = orders();
        vm.prank(appOwner);
        market.presignAppOrder(o.a);
        vm.prank(datasetOwner);
        market.presignDatasetOrder(o.d);
        vm.prank(poolOwner);
        market.presignWorkerpoolOrder(o.p);
        bytes32 requestHash = market.hashRequestOrder(o.r);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.OrderPresigned(requestHash, REQUESTER);
        vm.prank(requester);
        market.presignRequestOrder(o.r);
        assertTrue(market.presigned(market.hashAppOrder(o.a)) != address(0), "app presigned");
        assertTrue(market.presigned(market.hashDatasetOrder(o.d)) != address(0), "dataset presigned");
        assertTrue(market.presigned(market.hashWorkerpoolOrder(o.p)) != address(0), "pool presigned");
        assertTrue(market.presigned(market.hashRequestOrder(o.r)) != address(0), "request presigned");
        (, Deal memory d) = matchDeal(o);
        assertEq(d.volume, 1, "matched without signatures");
    }

    function test_presign_revertsForNonOwner() public {
        Orders memory o = orders();
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.presignAppOrder(o.a);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.presignDatasetOrder(o.d);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.presignWorkerpoolOrder(o.p);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.presignRequestOrder(o.r);
        vm.stopPrank();
    }

    function test_presign_bySchedulerIsNotThePoolOwner() public {
        Orders memory o = orders();
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, scheduler));
        vm.prank(scheduler);
        market.presignWorkerpoolOrder(o.p);
    }

    function test_presign_onlyCoversThatExactOrder() public {
        Orders memory o = orders();
        vm.prank(appOwner);
        market.presignAppOrder(o.a);
        signAll(o);
        o.a.volume = 11;
        o.aSig = "";
        expectBadSignature(o, APP, market.hashAppOrder(o.a));
    }

    // ------------------------------------------------------------ cancelling

    function test_cancel_appOrder() public {
        Orders memory o = signAll(orders());
        bytes32 h = market.hashAppOrder(o.a);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.OrderCancelled(h, APP);
        vm.prank(appOwner);
        market.cancelAppOrder(o.a);
        assertEq(market.remaining(h, o.a.volume), 0, "nothing left");
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, APP, h));
        callMatch(o);
    }

    function test_cancel_datasetOrder() public {
        Orders memory o = signAll(orders());
        vm.prank(datasetOwner);
        market.cancelDatasetOrder(o.d);
        vm.expectRevert(
            abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, DATASET, market.hashDatasetOrder(o.d))
        );
        callMatch(o);
    }

    function test_cancel_workerpoolOrder() public {
        Orders memory o = signAll(orders());
        vm.prank(poolOwner);
        market.cancelWorkerpoolOrder(o.p);
        vm.expectRevert(
            abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, POOL, market.hashWorkerpoolOrder(o.p))
        );
        callMatch(o);
    }

    function test_cancel_requestOrder() public {
        Orders memory o = signAll(orders());
        bytes32 h = market.hashRequestOrder(o.r);
        vm.prank(requester);
        market.cancelRequestOrder(o.r);
        assertEq(market.remainingRequest(h, o.r.volume), 0, "request consumed");
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, REQUESTER, h));
        callMatch(o);
    }

    function test_cancel_partiallyConsumedOrderStopsTheRest() public {
        Orders memory o = orders();
        o.r.volume = 4;
        matchDeal(signAll(o));
        vm.prank(appOwner);
        market.cancelAppOrder(o.a);
        o.r.salt = keccak256("later");
        signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, APP, market.hashAppOrder(o.a)));
        callMatch(o);
    }

    function test_cancel_revertsForNonOwner() public {
        Orders memory o = orders();
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.cancelAppOrder(o.a);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.cancelDatasetOrder(o.d);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.cancelWorkerpoolOrder(o.p);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotOrderOwner.selector, stranger));
        market.cancelRequestOrder(o.r);
        vm.stopPrank();
    }

    function test_cancel_requestAfterPartialMatchCancelsTheRest() public {
        Orders memory o = orders();
        o.r.volume = 5;
        o.p.volume = 2;
        o = signAll(o);
        bytes32 h = callMatch(o);
        assertEq(market.remainingRequest(h, 5), 3, "three tasks left");
        vm.prank(requester);
        market.cancelRequestOrder(o.r);
        assertEq(market.remainingRequest(h, 5), 0, "cancelled");
        o.p.salt = keccak256("another pool order");
        o.pSig = signHash(POOL_KEY, market.hashWorkerpoolOrder(o.p));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, REQUESTER, h));
        callMatch(o);
    }

    function test_cancel_presignedOrderStillCancels() public {
        Orders memory o = signAll(orders());
        vm.startPrank(poolOwner);
        market.presignWorkerpoolOrder(o.p);
        market.cancelWorkerpoolOrder(o.p);
        vm.stopPrank();
        o.pSig = "";
        vm.expectRevert(
            abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, POOL, market.hashWorkerpoolOrder(o.p))
        );
        callMatch(o);
    }
}
