// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {AppRegistry, DatasetRegistry} from "../registries/ContentRegistry.sol";
import {WorkerpoolRegistry} from "../registries/WorkerpoolRegistry.sol";
import {IHearthCallback} from "../IHearthCallback.sol";
import {Escrow} from "./Escrow.sol";
import {OrderHashing} from "./OrderHashing.sol";
import {Consensus} from "./Consensus.sol";
import {AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder, Deal, Contribution, ResultRun, TaskResult} from "./Types.sol";

/// @notice The market: orders, deals, settlement and refunds.
///
/// Gas design: a deal is one storage slot (a 192-bit commitment to its terms and the done-bits of
/// its first 64 tasks; further tasks take one slot per 256). The first deal of a request order has
/// the request's hash as its id, so that slot also marks the request used; a request matched only in
/// part keeps its consumed volume like the other orders, and its later deals have the id
/// keccak256(requestHash, tasks consumed before). Terms are emitted in DealCreated and passed back
/// as calldata. Workers sign contributions; the pool's scheduler settles many tasks in one
/// transaction, and each payee is credited once per batch. At trust 1 or 2, where one result settles a
/// task, a worker's results come in runs signed once (settleRuns) instead of one signature per task.
///
/// Certification (docs/decisions/2026-12-07-certification.md): every counted contribution is backed
/// by the worker's stake, at least `minWorkerStake`, and a worker's contributions in one settlement
/// are backed together (one stake never backs two of them); reputation is kept per pool; rewards are
/// split by log2 of the weights; slashed stakes and the pool stakes of failed tasks are seized, so
/// nobody profits from a failure.
/// matchOrders makes only static calls (registries, ERC-1271 wallets), so it needs no reentrancy guard;
/// settle and claim call requester contracts last, and are guarded all the same.
contract HearthMarket is Escrow, EIP712, Ownable, ReentrancyGuardTransient {
    using OrderHashing for AppOrder;
    using OrderHashing for DatasetOrder;
    using OrderHashing for WorkerpoolOrder;
    using OrderHashing for RequestOrder;
    using SafeCast for uint256;

    uint256 public constant POOL_STAKE_PERCENT = 30;
    uint256 public constant DEADLINE_FACTOR = 10;
    uint256 public constant CALLBACK_GAS = 100_000;
    /// @dev Transient-storage domain of the stake each worker has put behind the current settlement.
    bytes32 private constant BACKING = keccak256("hearth.market.backing");
    uint256 private constant LOW_TASKS = 64;
    uint256 private constant LOW_MASK = (1 << LOW_TASKS) - 1;
    uint256 private constant CANCELLED = 1 << LOW_TASKS;

    AppRegistry public immutable apps;
    DatasetRegistry public immutable datasets;
    WorkerpoolRegistry public immutable workerpools;
    /// @notice The least stake a worker puts behind each contribution, whatever the pool's policy.
    uint256 public immutable minWorkerStake;

    /// @notice The maximum run time of a task of each category, in seconds (0: no such category).
    mapping(uint256 category => uint256) private _categoryTimes;
    uint256 private _categoryCount;
    mapping(bytes32 orderHash => uint256) public consumed;
    /// @notice Who pre-signed each order: a pre-signature binds only while that account still owns the asset.
    mapping(bytes32 orderHash => address) public presigned;
    mapping(bytes32 dealId => uint256) private _deals;
    mapping(bytes32 dealId => mapping(uint256 word => uint256)) private _taskWords;
    /// @dev Counts the settlements of the current transaction: each has its own backing tally, so a
    /// contract that settles twice in one transaction is treated as two transactions would be.
    uint256 private transient _settlements;

    enum Party {
        App,
        Dataset,
        Workerpool,
        Requester
    }

    error Mismatch(Party party, string what);
    error PriceTooHigh(Party party, uint256 price, uint256 maxPrice);
    error TagNotOffered(bytes32 missing);
    error TrustTooHigh(uint256 requested, uint256 offered);
    error Restricted(Party restrictingParty, string what);
    error UnknownCategory(uint256 category);
    error OrderExpired(Party party, uint256 expiry);
    error BadSignature(Party party, bytes32 orderHash);
    error OrderConsumed(Party party, bytes32 orderHash);
    error VolumeTooLarge(uint256 volume);
    error NotOrderOwner(address caller);
    error UnknownDeal(bytes32 dealId);
    error NotScheduler(address caller, address scheduler);
    error DeadlinePassed(uint256 deadline);
    error DeadlineNotReached(uint256 deadline);
    error EmptyBatch();
    error UnorderedBatch(uint256 task);
    error TaskOutOfRange(uint256 task, uint256 volume);
    error TaskAlreadyDone(uint256 task);
    error BadContribution(uint256 task, uint256 position);
    error DuplicateWorker(uint256 task, address worker);
    error TooManyContributions(uint256 task, uint256 count);
    error NoConsensus(uint256 task);
    error BadCategory(uint256 seconds_);
    error CallbackGasTooLow();
    error CallbacksRefused(uint256 workerpool);
    error RunsNeedLoneTrust(uint256 trust);
    error BadRun(uint256 run);

    event CategoryCreated(uint256 indexed category, uint256 maxTimeSeconds);
    event OrderPresigned(bytes32 indexed orderHash, Party party);
    event OrderCancelled(bytes32 indexed orderHash, Party party);
    event DealCreated(
        bytes32 indexed dealId, uint256 indexed workerpool, address indexed requester, Deal deal, string params
    );
    event TaskSettled(bytes32 indexed dealId, uint256 task, bytes32 digest);
    event ResultsStored(bytes32 indexed dealId, string location);
    event TaskRefunded(bytes32 indexed dealId, uint256 task);
    event WorkerSlashed(address indexed worker, bytes32 indexed dealId, uint256 task, uint256 amount);
    event CallbackFailed(bytes32 indexed taskId, address callback);
    event Seized(bytes32 indexed dealId, uint256 amount);

    constructor(
        IERC20 token_,
        AppRegistry apps_,
        DatasetRegistry datasets_,
        WorkerpoolRegistry workerpools_,
        uint256 unbondingPeriod_,
        uint256 minWorkerStake_,
        address owner_
    ) Escrow(token_, unbondingPeriod_) EIP712("Hearth", "1") Ownable(owner_) {
        apps = apps_;
        datasets = datasets_;
        workerpools = workerpools_;
        minWorkerStake = minWorkerStake_;
        uint32[5] memory defaults = [uint32(300), 1_200, 3_600, 10_800, 36_000];
        for (uint256 i = 0; i < defaults.length; ++i) {
            _addCategory(defaults[i]);
        }
    }

    // ---------------------------------------------------------------- categories

    function createCategory(uint32 maxTimeSeconds) external onlyOwner returns (uint256) {
        return _addCategory(maxTimeSeconds);
    }

    function categoryTime(uint256 category) public view returns (uint256) {
        return _categoryTimes[category];
    }

    function categoryCount() external view returns (uint256) {
        return _categoryCount;
    }

    /// @dev A deal must end before a stake whose unbonding starts with it can be withdrawn, or a worker
    /// could sign a wrong result, leave, and be gone before the settlement slashes it.
    function _addCategory(uint32 maxTimeSeconds) private returns (uint256 id) {
        if (maxTimeSeconds == 0 || DEADLINE_FACTOR * maxTimeSeconds >= unbondingPeriod) revert BadCategory(maxTimeSeconds);
        id = _categoryCount++;
        _categoryTimes[id] = maxTimeSeconds;
        emit CategoryCreated(id, maxTimeSeconds);
    }

    // ---------------------------------------------------------------- order hashes

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function hashAppOrder(AppOrder calldata o) public view returns (bytes32) {
        return _hashTypedDataV4(o.hash());
    }

    function hashDatasetOrder(DatasetOrder calldata o) public view returns (bytes32) {
        return _hashTypedDataV4(o.hash());
    }

    function hashWorkerpoolOrder(WorkerpoolOrder calldata o) public view returns (bytes32) {
        return _hashTypedDataV4(o.hash());
    }

    function hashRequestOrder(RequestOrder calldata o) public view returns (bytes32) {
        return _hashTypedDataV4(o.hash());
    }

    function hashContribution(bytes32 tid, bytes32 digest) public view returns (bytes32) {
        return _hashTypedDataV4(OrderHashing.contribution(tid, digest));
    }

    /// @notice What a worker signs over the head of its result chain in a deal (see ResultRun).
    function hashResultChain(bytes32 dealId, bytes32 head) public view returns (bytes32) {
        return _hashTypedDataV4(OrderHashing.resultChain(dealId, head));
    }

    function taskId(bytes32 dealId, uint256 task) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(dealId, task));
    }

    // ---------------------------------------------------------------- pre-signing and cancelling

    function presignAppOrder(AppOrder calldata o) external {
        _onlyOwnerOf(apps.ownerOf(o.app));
        _presign(hashAppOrder(o), Party.App);
    }

    function presignDatasetOrder(DatasetOrder calldata o) external {
        _onlyOwnerOf(datasets.ownerOf(o.dataset));
        _presign(hashDatasetOrder(o), Party.Dataset);
    }

    function presignWorkerpoolOrder(WorkerpoolOrder calldata o) external {
        _onlyOwnerOf(workerpools.ownerOf(o.workerpool));
        _presign(hashWorkerpoolOrder(o), Party.Workerpool);
    }

    function presignRequestOrder(RequestOrder calldata o) external {
        _onlyOwnerOf(o.requester);
        _presign(hashRequestOrder(o), Party.Requester);
    }

    function cancelAppOrder(AppOrder calldata o) external {
        _onlyOwnerOf(apps.ownerOf(o.app));
        _cancel(hashAppOrder(o), Party.App);
    }

    function cancelDatasetOrder(DatasetOrder calldata o) external {
        _onlyOwnerOf(datasets.ownerOf(o.dataset));
        _cancel(hashDatasetOrder(o), Party.Dataset);
    }

    function cancelWorkerpoolOrder(WorkerpoolOrder calldata o) external {
        _onlyOwnerOf(workerpools.ownerOf(o.workerpool));
        _cancel(hashWorkerpoolOrder(o), Party.Workerpool);
    }

    /// @notice Cancels what is left of a request order: before its first deal, by marking the slot
    /// that deal would take; after, by consuming the rest.
    function cancelRequestOrder(RequestOrder calldata o) external {
        _onlyOwnerOf(o.requester);
        bytes32 h = hashRequestOrder(o);
        if (_deals[h] == 0) _deals[h] = CANCELLED;
        else consumed[h] = type(uint256).max;
        emit OrderCancelled(h, Party.Requester);
    }

    function _onlyOwnerOf(address owner) private view {
        if (owner != msg.sender) revert NotOrderOwner(msg.sender);
    }

    function _presign(bytes32 h, Party party) private {
        presigned[h] = msg.sender;
        emit OrderPresigned(h, party);
    }

    function _cancel(bytes32 h, Party party) private {
        consumed[h] = type(uint256).max;
        emit OrderCancelled(h, party);
    }

    /// @notice What is left of an app, dataset or pool order of `volume` whose hash is `h`.
    function remaining(bytes32 h, uint256 volume) public view returns (uint256) {
        uint256 c = consumed[h];
        return c >= volume ? 0 : volume - c;
    }

    /// @notice What is left of a request order of `volume` whose hash is `h`.
    function remainingRequest(bytes32 h, uint256 volume) public view returns (uint256) {
        uint256 c = _requestConsumed(h);
        return c >= volume ? 0 : volume - c;
    }

    /// @dev Tasks of a request already in deals: 0 before its first deal; all of them (max) once
    /// cancelled or when its first deal took it whole; its consumed count otherwise.
    function _requestConsumed(bytes32 h) private view returns (uint256) {
        uint256 slot = _deals[h];
        if (slot == 0) return 0;
        if (slot == CANCELLED) return type(uint256).max;
        uint256 c = consumed[h];
        return c == 0 ? type(uint256).max : c;
    }

    // ---------------------------------------------------------------- matching

    /// @notice Turns four compatible signed orders into a deal. An empty signature means the order
    /// was pre-signed on chain, or is signed by sending this transaction (its signer is the sender).
    /// With no dataset, the request's dataset and the dataset order are zero.
    function matchOrders(
        AppOrder calldata appOrder,
        bytes calldata appSig,
        DatasetOrder calldata datasetOrder,
        bytes calldata datasetSig,
        WorkerpoolOrder calldata poolOrder,
        bytes calldata poolSig,
        RequestOrder calldata request,
        bytes calldata requestSig
    ) external returns (bytes32 dealId) {
        (uint256 trust, bytes32 wanted) = _checkCompatible(appOrder, datasetOrder, poolOrder, request);
        uint256 time = categoryTime(request.category);
        if (time == 0) revert UnknownCategory(request.category);

        Deal memory deal;
        uint256 volume = request.volume;

        bytes32 appHash = hashAppOrder(appOrder);
        deal.appOwner = apps.ownerOf(appOrder.app);
        _checkOrder(Party.App, appHash, deal.appOwner, appSig, appOrder.expiry);
        volume = _available(Party.App, appHash, appOrder.volume, volume);

        bytes32 datasetHash;
        if (request.dataset != 0) {
            datasetHash = hashDatasetOrder(datasetOrder);
            deal.datasetOwner = datasets.ownerOf(datasetOrder.dataset);
            _checkOrder(Party.Dataset, datasetHash, deal.datasetOwner, datasetSig, datasetOrder.expiry);
            volume = _available(Party.Dataset, datasetHash, datasetOrder.volume, volume);
        }

        WorkerpoolRegistry.Policy memory policy;
        (deal.poolOwner, policy) = workerpools.poolInfo(poolOrder.workerpool);
        bytes32 poolHash = hashWorkerpoolOrder(poolOrder);
        _checkOrder(Party.Workerpool, poolHash, deal.poolOwner, poolSig, poolOrder.expiry);
        volume = _available(Party.Workerpool, poolHash, poolOrder.volume, volume);

        bytes32 requestHash = hashRequestOrder(request);
        _checkOrder(Party.Requester, requestHash, request.requester, requestSig, request.expiry);
        uint256 requestUsed = _requestConsumed(requestHash);
        if (requestUsed >= request.volume) revert OrderConsumed(Party.Requester, requestHash);
        if (request.volume - requestUsed < volume) volume = request.volume - requestUsed;
        if (volume > type(uint32).max) revert VolumeTooLarge(volume);
        if (request.callback != address(0) && !policy.acceptsCallbacks) revert CallbacksRefused(poolOrder.workerpool);

        // Every order gives the deal's volume, the smallest of what is left of each.
        consumed[appHash] += volume;
        if (request.dataset != 0) consumed[datasetHash] += volume;
        consumed[poolHash] += volume;
        // A request taken whole by its first deal is marked by that deal's slot alone.
        if (requestUsed != 0 || volume < request.volume) consumed[requestHash] = requestUsed + volume;
        dealId = requestUsed == 0 ? requestHash : keccak256(abi.encode(requestHash, requestUsed));

        deal.app = appOrder.app;
        deal.appPrice = appOrder.appprice.toUint96();
        deal.dataset = request.dataset;
        deal.datasetPrice = request.dataset == 0 ? 0 : datasetOrder.datasetprice.toUint96();
        deal.workerpool = poolOrder.workerpool;
        deal.scheduler = policy.scheduler;
        deal.poolPrice = poolOrder.workerpoolprice.toUint96();
        deal.requester = request.requester;
        deal.beneficiary = request.beneficiary;
        deal.callback = request.callback;
        deal.volume = uint32(volume);
        deal.trust = uint32(trust);
        deal.category = uint32(request.category);
        deal.start = uint64(block.timestamp);
        deal.deadline = uint64(block.timestamp + DEADLINE_FACTOR * time);
        deal.poolStake = uint96(uint256(deal.poolPrice) * POOL_STAKE_PERCENT / 100);
        uint256 workerStake = uint256(deal.poolPrice) * policy.workerStakePercent / 100;
        deal.workerStake = (workerStake > minWorkerStake ? workerStake : minWorkerStake).toUint96();
        deal.schedulerShare = policy.schedulerSharePercent;
        deal.tag = wanted;
        deal.seal = blockhash(block.number - 1);

        _lock(deal.requester, (uint256(deal.appPrice) + deal.datasetPrice + deal.poolPrice) * volume);
        _lock(deal.poolOwner, uint256(deal.poolStake) * volume);

        _deals[dealId] = _commit(deal);
        emit DealCreated(dealId, deal.workerpool, deal.requester, deal, request.params);
    }

    /// @dev Every check that needs no storage. Returns the deal's trust (at least 1) and the tag bits the app, the
    /// dataset and the request ask for (features and resource tiers), all of which the pool order offers.
    function _checkCompatible(
        AppOrder calldata a,
        DatasetOrder calldata d,
        WorkerpoolOrder calldata p,
        RequestOrder calldata r
    ) private pure returns (uint256 trust, bytes32 wanted) {
        if (r.app != a.app) revert Mismatch(Party.App, "app");
        if (r.dataset != d.dataset) revert Mismatch(Party.Dataset, "dataset");
        if (r.workerpool != 0 && r.workerpool != p.workerpool) revert Mismatch(Party.Workerpool, "workerpool");
        if (r.category != p.category) revert Mismatch(Party.Workerpool, "category");

        trust = r.trust == 0 ? 1 : r.trust;
        uint256 offered = p.trust == 0 ? 1 : p.trust;
        if (trust > offered || trust > type(uint32).max) revert TrustTooHigh(trust, offered);

        if (a.appprice > r.appmaxprice) revert PriceTooHigh(Party.App, a.appprice, r.appmaxprice);
        if (r.dataset != 0 && d.datasetprice > r.datasetmaxprice) {
            revert PriceTooHigh(Party.Dataset, d.datasetprice, r.datasetmaxprice);
        }
        if (p.workerpoolprice > r.workerpoolmaxprice) {
            revert PriceTooHigh(Party.Workerpool, p.workerpoolprice, r.workerpoolmaxprice);
        }

        wanted = a.tag | r.tag | (r.dataset != 0 ? d.tag : bytes32(0));
        bytes32 missing = wanted & ~p.tag;
        if (missing != 0) revert TagNotOffered(missing);

        if (a.datasetrestrict != 0 && a.datasetrestrict != r.dataset) revert Restricted(Party.App, "dataset");
        if (a.workerpoolrestrict != 0 && a.workerpoolrestrict != p.workerpool) {
            revert Restricted(Party.App, "workerpool");
        }
        if (a.requesterrestrict != address(0) && a.requesterrestrict != r.requester) {
            revert Restricted(Party.App, "requester");
        }
        if (r.dataset != 0) {
            if (d.apprestrict != 0 && d.apprestrict != a.app) revert Restricted(Party.Dataset, "app");
            if (d.workerpoolrestrict != 0 && d.workerpoolrestrict != p.workerpool) {
                revert Restricted(Party.Dataset, "workerpool");
            }
            if (d.requesterrestrict != address(0) && d.requesterrestrict != r.requester) {
                revert Restricted(Party.Dataset, "requester");
            }
        }
        if (p.apprestrict != 0 && p.apprestrict != a.app) revert Restricted(Party.Workerpool, "app");
        if (p.datasetrestrict != 0 && p.datasetrestrict != r.dataset) revert Restricted(Party.Workerpool, "dataset");
        if (p.requesterrestrict != address(0) && p.requesterrestrict != r.requester) {
            revert Restricted(Party.Workerpool, "requester");
        }
    }

    function _checkOrder(Party party, bytes32 h, address signer, bytes calldata sig, uint256 expiry) private view {
        // Nobody holds the key of address zero, and presigned[h] is zero by default.
        if (signer == address(0)) revert BadSignature(party, h);
        if (expiry != 0 && block.timestamp > expiry) revert OrderExpired(party, expiry);
        bool valid = sig.length == 0
            ? signer == msg.sender || presigned[h] == signer
            : SignatureChecker.isValidSignatureNowCalldata(signer, h, sig);
        if (!valid) revert BadSignature(party, h);
    }

    /// @dev The smaller of `wanted` and what is left of the order (consumed by the caller once the
    /// deal's volume, the smallest over all orders, is known).
    function _available(Party party, bytes32 h, uint256 volume, uint256 wanted) private view returns (uint256) {
        uint256 used = consumed[h];
        if (used >= volume) revert OrderConsumed(party, h);
        uint256 left = volume - used;
        return wanted < left ? wanted : left;
    }

    function _commit(Deal memory deal) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(deal))) & ~LOW_MASK;
    }

    function _loadDeal(Deal calldata deal, bytes32 dealId) private view returns (uint256 slot) {
        slot = _deals[dealId];
        Deal memory copy = deal;
        if (slot & ~LOW_MASK != _commit(copy)) revert UnknownDeal(dealId);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Settles a batch of tasks of one deal: checks each task's signed contributions,
    /// reaches consensus, records and emits each result, pays everyone once, slashes the workers
    /// that disagreed. Only the deal's scheduler may call it, before the deal's deadline.
    function settle(Deal calldata deal, bytes32 dealId, Contribution[] calldata cs, string calldata location)
        external
        nonReentrant
    {
        TaskBits memory bits = _openSettlement(deal, dealId, cs.length);
        bytes32[] memory digests = new bytes32[](cs.length);
        uint256 poolOwnerEarned;
        uint256 settled;
        uint256 i;
        while (i < cs.length) {
            uint256 task = cs[i].task;
            if (settled != 0 && task <= cs[i - 1].task) revert UnorderedBatch(task);
            if (task >= deal.volume) revert TaskOutOfRange(task, deal.volume);
            uint256 j = i + 1;
            while (j < cs.length && cs[j].task == task) ++j;
            _markDone(bits, task);
            uint256 earned;
            (earned, digests[i]) = _settleTask(deal, dealId, cs[i:j]);
            poolOwnerEarned += earned;
            ++settled;
            i = j;
        }
        _storeBits(bits);
        _pay(deal, dealId, settled, poolOwnerEarned, location);

        if (deal.callback != address(0)) {
            for (uint256 k = 0; k < cs.length; ++k) {
                if (k == 0 || cs[k].task != cs[k - 1].task) _callback(deal.callback, taskId(dealId, cs[k].task), digests[k]);
            }
        }
    }

    /// @notice Settles lone results of a deal of trust 1 or 2 in runs, one worker signature per run instead
    /// of one per task (see ResultRun): each result settles its task, as one signed contribution would.
    /// The tasks may come in any order; a task given twice reverts TaskAlreadyDone.
    function settleRuns(Deal calldata deal, bytes32 dealId, ResultRun[] calldata runs, string calldata location)
        external
        nonReentrant
    {
        TaskBits memory bits = _openSettlement(deal, dealId, runs.length);
        if (deal.trust > 2) revert RunsNeedLoneTrust(deal.trust);
        uint256 cut = uint256(deal.poolPrice) * deal.schedulerShare / 100;
        uint256 reward = deal.poolPrice - cut;
        uint256 settled;
        for (uint256 i = 0; i < runs.length; ++i) {
            TaskResult[] calldata results = runs[i].results;
            uint256 m = results.length;
            if (m == 0) revert BadRun(i);
            bytes32 head = runs[i].start;
            for (uint256 k = 0; k < m; ++k) {
                uint256 task = results[k].task;
                if (task >= deal.volume) revert TaskOutOfRange(task, deal.volume);
                _markDone(bits, task);
                bytes32 digest = results[k].digest;
                head = OrderHashing.nextHead(head, task, digest);
                emit TaskSettled(dealId, task, digest);
            }
            (address w, ECDSA.RecoverError err,) = ECDSA.tryRecover(hashResultChain(dealId, head), runs[i].r, runs[i].vs);
            if (err != ECDSA.RecoverError.NoError) revert BadRun(i);
            _back(w, uint256(deal.workerStake) * m);
            _credit(w, reward * m);
            settled += m;
        }
        _storeBits(bits);
        _pay(deal, dealId, settled, cut * settled, location);

        if (deal.callback != address(0)) {
            for (uint256 i = 0; i < runs.length; ++i) {
                TaskResult[] calldata results = runs[i].results;
                for (uint256 k = 0; k < results.length; ++k) {
                    _callback(deal.callback, taskId(dealId, results[k].task), results[k].digest);
                }
            }
        }
    }

    /// @dev The checks every settlement starts with; returns the deal's task bits, ready to mark.
    function _openSettlement(Deal calldata deal, bytes32 dealId, uint256 entries) private returns (TaskBits memory) {
        uint256 slot = _loadDeal(deal, dealId);
        if (msg.sender != deal.scheduler) revert NotScheduler(msg.sender, deal.scheduler);
        if (block.timestamp >= deal.deadline) revert DeadlinePassed(deal.deadline);
        if (entries == 0) revert EmptyBatch();
        ++_settlements;
        return TaskBits(dealId, slot, type(uint256).max, 0);
    }

    /// @dev Pays for `settled` tasks once: the requester's locked funds to the app and dataset owners, the pool
    /// owner's stake back with what it earned; the workers were credited task by task.
    function _pay(Deal calldata deal, bytes32 dealId, uint256 settled, uint256 poolOwnerEarned, string calldata location) private {
        uint256 price = uint256(deal.appPrice) + deal.datasetPrice + deal.poolPrice;
        _accounts[deal.requester].locked -= uint96(price * settled);
        _credit(deal.appOwner, uint256(deal.appPrice) * settled);
        _credit(deal.datasetOwner, uint256(deal.datasetPrice) * settled);
        uint256 stakes = uint256(deal.poolStake) * settled;
        Account storage pool = _accounts[deal.poolOwner];
        pool.locked -= uint96(stakes);
        pool.balance += uint96(stakes + poolOwnerEarned);
        emit ResultsStored(dealId, location);
    }

    /// @dev Returns what the pool owner earns on this task: its share of the pool price plus the
    /// rounding left over from the workers' split.
    function _settleTask(Deal calldata deal, bytes32 dealId, Contribution[] calldata group)
        private
        returns (uint256 poolOwnerEarned, bytes32 digest)
    {
        uint256 task = group[0].task;
        bytes32 tid = taskId(dealId, task);
        uint256 n = group.length;
        if (n > Consensus.MAX_CONTRIBUTIONS) revert TooManyContributions(task, n);

        address[] memory workers = new address[](n);
        for (uint256 k = 0; k < n; ++k) {
            bytes32 h = hashContribution(tid, group[k].digest);
            (address w, ECDSA.RecoverError err,) = ECDSA.tryRecover(h, group[k].r, group[k].vs);
            if (err != ECDSA.RecoverError.NoError) revert BadContribution(task, k);
            for (uint256 l = 0; l < k; ++l) {
                if (workers[l] == w) revert DuplicateWorker(task, w);
            }
            // Dissent counts against a result only when it too is backed: unbacked keys are free to make.
            _back(w, deal.workerStake);
            workers[k] = w;
        }

        uint256 cut = uint256(deal.poolPrice) * deal.schedulerShare / 100;
        uint256 reward = deal.poolPrice - cut;
        if (n == 1 && deal.trust <= 2) {
            // A single contribution always reaches consensus at trust 1 or 2 (every weight is at least 2),
            // and a lone result is no evidence for reputation: skip the scores.
            digest = group[0].digest;
            _credit(workers[0], reward);
        } else {
            mapping(address => uint256) storage scores = _scores[deal.workerpool];
            uint256[] memory weights = new uint256[](n);
            for (uint256 k = 0; k < n; ++k) {
                weights[k] = Consensus.weight(scores[workers[k]]);
            }
            uint256 winner;
            (digest, winner) = Consensus.decide(group, weights, deal.trust);
            if (winner == type(uint256).max) revert NoConsensus(task);
            // Reputation grows only with paid, replicated work (a lone result is no evidence);
            // it falls on any disagreement.
            bool grows = n > 1 && deal.poolPrice != 0;
            uint256 agreeingShares;
            uint256 seizedHere;
            for (uint256 k = 0; k < n; ++k) {
                address w = workers[k];
                if (group[k].digest == digest) {
                    agreeingShares += Consensus.rewardShare(weights[k]);
                    if (grows) scores[w] += 1;
                } else {
                    uint256 taken = _slash(w, deal.workerStake);
                    _unback(w, deal.workerStake);
                    seizedHere += taken;
                    scores[w] = scores[w] * 2 / 3;
                    emit WorkerSlashed(w, dealId, task, taken);
                }
            }
            if (seizedHere != 0) {
                seized += seizedHere;
                emit Seized(dealId, seizedHere);
            }
            uint256 paidOut;
            for (uint256 k = 0; k < n; ++k) {
                if (group[k].digest != digest) continue;
                uint256 share = reward * Consensus.rewardShare(weights[k]) / agreeingShares;
                _credit(workers[k], share);
                paidOut += share;
            }
            cut += reward - paidOut;
        }
        poolOwnerEarned = cut;
        emit TaskSettled(dealId, task, digest);
    }

    /// @dev Puts `amount` more of the worker's stake (its unbonding stake included: it is slashable
    /// until withdrawn) behind the current settlement, or reverts when it has not that much.
    function _back(address worker, uint256 amount) private {
        bytes32 slot = _backingSlot(worker);
        uint256 used;
        assembly ("memory-safe") {
            used := tload(slot)
        }
        used += amount;
        uint256 available = _accounts[worker].stake;
        if (available < used) {
            available += _workers[worker].unbonding;
            if (available < used) revert InsufficientStake(worker, used, available);
        }
        assembly ("memory-safe") {
            tstore(slot, used)
        }
    }

    /// @dev A slashed contribution's stake is gone: it no longer counts as put behind the settlement.
    function _unback(address worker, uint256 amount) private {
        bytes32 slot = _backingSlot(worker);
        assembly ("memory-safe") {
            tstore(slot, sub(tload(slot), amount))
        }
    }

    function _backingSlot(address worker) private view returns (bytes32) {
        return keccak256(abi.encode(worker, _settlements, BACKING));
    }

    function _credit(address account, uint256 amount) private {
        if (amount != 0) _accounts[account].balance += uint96(amount);
    }

    /// @dev The callback gets a fixed gas allowance; its failure does not stop the settlement, but
    /// the scheduler cannot starve it either (EIP-150 leaves 1/64 of the gas to the caller).
    function _callback(address callback, bytes32 tid, bytes32 digest) private {
        if (callback.code.length == 0) {
            // A call to an address without code reverts in the caller and would block the settlement.
            emit CallbackFailed(tid, callback);
            return;
        }
        if (gasleft() < CALLBACK_GAS * 64 / 63 + 10_000) revert CallbackGasTooLow();
        try IHearthCallback(callback).onTaskResult{gas: CALLBACK_GAS}(tid, digest) {}
        catch {
            emit CallbackFailed(tid, callback);
        }
    }

    // ---------------------------------------------------------------- refunds

    /// @notice After a deal's deadline, refunds the requester the price of each unsettled task given.
    /// The pool's stake for those tasks is seized, not paid to the requester: a requester could
    /// otherwise profit from making its own tasks fail. Anyone may call it; the refund goes to the requester.
    function claim(Deal calldata deal, bytes32 dealId, uint256[] calldata tasks) external nonReentrant {
        uint256 slot = _loadDeal(deal, dealId);
        if (block.timestamp < deal.deadline) revert DeadlineNotReached(deal.deadline);
        if (tasks.length == 0) revert EmptyBatch();
        TaskBits memory bits = TaskBits(dealId, slot, type(uint256).max, 0);
        for (uint256 i = 0; i < tasks.length; ++i) {
            if (tasks[i] >= deal.volume) revert TaskOutOfRange(tasks[i], deal.volume);
            _markDone(bits, tasks[i]);
            emit TaskRefunded(dealId, tasks[i]);
        }
        _storeBits(bits);

        uint256 price = (uint256(deal.appPrice) + deal.datasetPrice + deal.poolPrice) * tasks.length;
        uint256 stakes = uint256(deal.poolStake) * tasks.length;
        Account storage req = _accounts[deal.requester];
        req.locked -= uint96(price);
        req.balance += uint96(price);
        _accounts[deal.poolOwner].locked -= uint96(stakes);
        if (stakes != 0) {
            seized += stakes;
            emit Seized(dealId, stakes);
        }
    }

    // ---------------------------------------------------------------- task bits

    /// @dev The deal slot in memory, plus one cached word of the bits of tasks 64 and above.
    struct TaskBits {
        bytes32 dealId;
        uint256 slot;
        uint256 wordIndex;
        uint256 word;
    }

    function _markDone(TaskBits memory b, uint256 task) private {
        uint256 bit;
        if (task < LOW_TASKS) {
            bit = 1 << task;
            if (b.slot & bit != 0) revert TaskAlreadyDone(task);
            b.slot |= bit;
            return;
        }
        uint256 index = (task - LOW_TASKS) >> 8;
        if (index != b.wordIndex) {
            if (b.wordIndex != type(uint256).max) _taskWords[b.dealId][b.wordIndex] = b.word;
            b.wordIndex = index;
            b.word = _taskWords[b.dealId][index];
        }
        bit = 1 << ((task - LOW_TASKS) & 255);
        if (b.word & bit != 0) revert TaskAlreadyDone(task);
        b.word |= bit;
    }

    function _storeBits(TaskBits memory b) private {
        _deals[b.dealId] = b.slot;
        if (b.wordIndex != type(uint256).max) _taskWords[b.dealId][b.wordIndex] = b.word;
    }

    /// @notice Whether task `task` of deal `dealId` is settled or refunded.
    function isTaskDone(bytes32 dealId, uint256 task) external view returns (bool) {
        if (task < LOW_TASKS) return _deals[dealId] & (1 << task) != 0;
        return _taskWords[dealId][(task - LOW_TASKS) >> 8] & (1 << ((task - LOW_TASKS) & 255)) != 0;
    }

}
