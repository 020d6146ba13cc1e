"""Article texts for the demo site.

All prose here was written for this fixture.  People quoted or interviewed
are fictional; places and institutions are used only as plausible setting.

Each article is a plain dict; ``generate.py`` turns them into pages.  The order
of ``ARTICLES`` is significant: variant 1 of the site edits the 3rd article and
changes the teaser cards of the 5th one (see ``VARIANT1_*`` below).
"""

from __future__ import annotations

SITE_NAME = "commonspace.eu"

SECTIONS = ["news", "opinion", "analysis", "interview", "editors-choice"]

SECTION_TITLES = {
    "news": "News",
    "opinion": "Opinion",
    "analysis": "Analysis",
    "interview": "Interview",
    "editors-choice": "Editor's choice",
}

# The card "Editor's choice / Opinion / <this title>" appears on most article pages.
WPS_SLUG = "women-peace-security-words-endure-action-lags"

# Shared boilerplate of the two EU statements (the "same press-release template"
# negative pair: long identical opening and closing, different substance).
EU_OPENING = (
    "The European Union has taken note of recent developments and reiterates its "
    "strong and steadfast commitment to the sovereignty, independence and territorial "
    "integrity of all its partners in the South Caucasus. The Union continues to "
    "support democratic, stable and prosperous societies in the region, and stands "
    "ready to work with governments, parliaments and civil society in pursuit of "
    "these shared objectives, in line with the principles of the United Nations "
    "Charter and the Helsinki Final Act."
)
EU_CLOSING = (
    "The European Union will continue to follow developments closely and remains "
    "fully committed to supporting the people of the region on their path towards "
    "lasting peace, democracy and prosperity. The High Representative and the Member "
    "States will discuss these matters further with partners in the coming weeks, and "
    "the Union will make use of all instruments at its disposal to accompany this "
    "process."
)

ARTICLES: list[dict] = [
    # 1
    {
        "slug": "foreign-ministers-resume-border-talks",
        "section": "news",
        "title": "Foreign ministers resume border delimitation talks in Geneva",
        "lead": (
            "Armenian and Azerbaijani diplomats met for a full day of closed-door "
            "talks and agreed on a timetable for further expert meetings."
        ),
        "paragraphs": [
            "The foreign ministers of Armenia and Azerbaijan met in Geneva on Tuesday for "
            "a new round of talks on the delimitation of their shared border, the first "
            "face-to-face session since the autumn. The meeting took place behind closed "
            "doors at a lakeside venue provided by the Swiss government, and lasted for "
            "almost seven hours according to officials familiar with the schedule.",
            "Both delegations described the atmosphere as businesslike. A short joint "
            "communiqué released in the evening said the sides had reviewed the work of "
            "the bilateral commissions, agreed on a timetable for further expert meetings, "
            "and instructed their technical teams to prepare maps covering two disputed "
            "sections in the northern part of the frontier before the summer.",
            "Diplomats caution against expecting rapid results. Delimitation is slow, "
            "painstaking work that depends on archival maps drawn in different decades and "
            "on surveys carried out in difficult mountain terrain. Several villages sit "
            "directly on the old administrative lines, and any adjustment affects roads, "
            "pastures and water pipes that local families have used for generations.",
            "International partners welcomed the resumption of contacts. The Swiss foreign "
            "ministry said it was ready to continue hosting meetings at short notice, while "
            "envoys from several European capitals stressed that a signed peace treaty "
            "would unlock investment in transport links across the region. Officials in "
            "Washington also issued a short statement encouraging both governments to keep "
            "up the momentum.",
            "Civil society groups on both sides of the border asked the negotiators to "
            "include local communities in the process. In an open letter published last "
            "week, more than forty organisations argued that residents of frontier villages "
            "should be consulted before any final line is drawn, and that compensation "
            "schemes should be agreed in advance rather than improvised afterwards.",
        ],
        "author": "Editorial staff",
        "published": "2025-03-04",
        "tags": ["peace-talks", "diplomacy"],
        "source": "Source: commonspace.eu with agencies",
        "caption": "Delegations arriving at the venue of the talks in Geneva. Photo: archive",
        "has_canonical": True,
    },
    # 2
    {
        "slug": WPS_SLUG,
        "section": "opinion",
        "title": "Women, Peace and Security: Words Endure, but Government Action Lags",
        "lead": (
            "Twenty-five years after a landmark Security Council resolution, the promises "
            "made to women in conflict-affected societies are still waiting to be turned "
            "into budgets and policies."
        ),
        "paragraphs": [
            "Anniversaries invite speeches, and this autumn there has been no shortage of "
            "them. Ministers, ambassadors and heads of international organisations have "
            "praised the agenda on women, peace and security as one of the great normative "
            "achievements of the past quarter century. Yet the distance between the "
            "language of these speeches and the daily reality of women living near front "
            "lines remains uncomfortably wide.",
            "National action plans exist in all three countries of the South Caucasus, and "
            "each has been revised at least once. On paper they are comprehensive, covering "
            "participation in negotiations, protection from violence and support for "
            "displaced families. In practice, most of the measures depend on donor grants, "
            "and very few are backed by a dedicated line in the state budget that would "
            "survive a change of government.",
            "The absence of women from formal negotiating teams is the most visible gap. "
            "When delegations sit down to discuss borders, prisoners or transport routes, "
            "the photographs show rows of men in dark suits. Women mediators and community "
            "leaders have done essential work in informal channels for decades, but their "
            "experience is rarely carried into the rooms where binding decisions are made.",
            "There are practical steps that governments could take tomorrow. They could "
            "publish the gender composition of every delegation, reserve seats for women "
            "from affected communities in technical working groups, and report annually to "
            "parliament on what their action plans have actually achieved. None of these "
            "measures is expensive, and all of them would make progress easier to measure.",
            "Words matter, because they shape expectations and give activists something to "
            "hold their leaders to. But words that are never followed by action slowly lose "
            "their power. The next anniversary should be judged not by the eloquence of the "
            "statements issued, but by the number of women who have moved from the margins "
            "of peace processes to their centre.",
        ],
        "author": "Tamar Kiknadze",
        "published": "2025-10-31",
        "tags": ["women-peace-security", "civil-society"],
        "source": "Source: commonspace.eu",
        "caption": "Participants at a community dialogue meeting. Photo: commonspace.eu",
        "has_canonical": True,
        "label": "Editor's choice",
    },
    # 3  (variant 1 edits one sentence of this article)
    {
        "slug": "caspian-gas-limits-of-diversification",
        "section": "analysis",
        "title": "Caspian gas and the limits of Europe's diversification strategy",
        "lead": (
            "Europe wants more gas from the Caspian basin, but pipelines, contracts and "
            "upstream investment tell a more cautious story than political declarations."
        ),
        "paragraphs": [
            "When European leaders began looking for alternatives to Russian pipeline gas, "
            "the Caspian basin quickly became a favourite destination for official visits. "
            "Memoranda were signed, targets were announced and the idea of doubling "
            "deliveries through the Southern Gas Corridor within a few years became a "
            "regular feature of press conferences in Brussels and Baku.",
            "The physical system, however, has limits that no memorandum can remove. The "
            "existing pipelines can be expanded by adding compressor stations, but each step "
            "requires financing, engineering studies and long-term purchase commitments. "
            "Producers are reluctant to develop new fields without contracts lasting two "
            "decades, while many European buyers are bound by climate targets that point to "
            "falling demand after 2030.",
            "This mismatch of time horizons is the core of the problem. A gas field that "
            "begins production at the end of the decade needs customers well into the 2040s "
            "to repay its investors. European utilities, on the other hand, are being asked "
            "to plan for a rapid decline in fossil fuel consumption, and they hesitate to "
            "sign agreements that may become stranded liabilities.",
            "Some analysts argue that the solution lies in flexible contracts with clauses "
            "allowing volumes to shift towards hydrogen or other low-carbon products over "
            "time. Others suggest that the real opportunity for the region is electricity "
            "rather than gas, pointing to ambitious plans for a submarine cable under the "
            "Black Sea that would carry renewable power from the Caucasus to south-eastern "
            "Europe.",
            "For now, the most realistic outcome is a modest increase in gas volumes "
            "combined with a slower, more uncertain move into electricity trade. That is "
            "less dramatic than the headlines promised, but it is not a failure. "
            "Diversification is measured in percentage points over years, and every "
            "additional supplier reduces the leverage that any single exporter can exert "
            "over European markets.",
        ],
        "author": "Dennis Hartmann",
        "published": "2025-06-12",
        "tags": ["energy", "eu"],
        "source": "Source: commonspace.eu",
        "caption": "A compressor station on the Southern Gas Corridor. Photo: archive",
        "has_canonical": True,
    },
    # 4  EU statement A
    {
        "slug": "eu-statement-municipal-elections-georgia",
        "section": "news",
        "title": "EU statement on the municipal elections in Georgia",
        "lead": (
            "The European Union calls for a transparent review of complaints following the "
            "municipal elections and urges all political actors to engage in dialogue."
        ),
        "paragraphs": [
            EU_OPENING,
            "The Union has studied the preliminary findings of the international observation "
            "mission deployed for the municipal elections held on Saturday. Observers noted "
            "that voting was generally calm and well organised, but they also reported "
            "pressure on public sector employees, an uneven playing field in campaign "
            "financing, and a number of cases in which the secrecy of the vote was not "
            "adequately protected.",
            "All credible complaints of irregularities must be reviewed promptly, "
            "transparently and impartially by the competent bodies. The Union expects the "
            "election administration and the courts to handle appeals in a manner that "
            "strengthens public confidence, and recalls that the final report of the "
            "observation mission will contain recommendations that should be addressed well "
            "ahead of the next national vote.",
            "The Union is concerned by the increasingly polarised political climate and by "
            "recent restrictions affecting independent media and non-governmental "
            "organisations. A pluralistic environment in which journalists and civic groups "
            "can work without intimidation is an essential condition for genuine democratic "
            "competition, and a central element of the reforms that the country has "
            "committed to undertake.",
            EU_CLOSING,
        ],
        "author": "Editorial staff",
        "published": "2025-10-06",
        "tags": ["eu", "elections"],
        "source": "Source: commonspace.eu with the EEAS press service",
        "caption": "Flags outside the Berlaymont building in Brussels. Photo: archive",
        "has_canonical": True,
    },
    # 5  EU statement B  (variant 1 changes only the teaser cards of this page)
    {
        "slug": "eu-statement-release-of-detainees",
        "section": "news",
        "title": "EU statement on the release of detainees",
        "lead": (
            "The European Union welcomes the release of detainees as a humanitarian gesture "
            "and encourages further confidence-building steps."
        ),
        "paragraphs": [
            EU_OPENING,
            "The Union welcomes the release of detainees announced yesterday, which allowed "
            "several families to be reunited after months of uncertainty. This humanitarian "
            "step, facilitated with the assistance of the International Committee of the Red "
            "Cross, demonstrates that practical agreements remain possible when the parties "
            "engage in good faith and make use of established channels of communication.",
            "The Union encourages both sides to build on this gesture by intensifying "
            "efforts to clarify the fate of persons still missing from earlier periods of "
            "conflict. Families have waited far too long for information about their "
            "relatives, and the exchange of archival records, burial site data and forensic "
            "expertise should proceed without political preconditions.",
            "The Union is also prepared to increase its support for humanitarian demining, "
            "for the rehabilitation of damaged infrastructure and for programmes that bring "
            "young people from both societies into contact with one another. Confidence "
            "cannot be imposed from outside, but it can be nurtured through sustained, "
            "concrete cooperation that delivers visible benefits to ordinary citizens.",
            EU_CLOSING,
        ],
        "author": "Editorial staff",
        "published": "2025-07-18",
        "tags": ["eu", "peace-talks"],
        "source": "Source: commonspace.eu with the EEAS press service",
        "caption": "A Red Cross vehicle at a border crossing point. Photo: archive",
        "has_canonical": True,
    },
    # 6
    {
        "slug": "interview-trust-is-built-in-small-steps",
        "section": "interview",
        "title": "'Trust is built in small steps': a conversation with a cross-border mediator",
        "lead": (
            "A mediator who has spent fifteen years organising meetings between villagers "
            "on opposite sides of a closed border explains why patience still matters."
        ),
        "paragraphs": [
            "Anahit Grigoryan has run dialogue workshops in border communities since the late "
            "2000s, long before the current round of official negotiations began. We met her "
            "in a small office above a bakery, where the walls are covered with photographs "
            "of meetings held in rented halls, schools and, on one occasion, a roadside café "
            "that closed its doors for the afternoon.",
            "Asked what has changed over the years, she says the biggest difference is that "
            "people are less afraid to be seen talking to each other. In the early days, "
            "participants sometimes asked not to be photographed and gave only their first "
            "names. Today many of them share their contacts openly and continue the "
            "conversation on messaging apps long after the workshop has ended.",
            "She is careful not to overstate the impact of this work. Dialogue groups do not "
            "draw borders or sign treaties, she points out, and nobody should pretend that a "
            "weekend seminar can heal the wounds of a long conflict. What such meetings can "
            "do is create a small circle of people who have seen the other side as "
            "neighbours rather than enemies.",
            "The hardest moments, in her view, come when political tension rises and "
            "participants face criticism at home for taking part. Several groups have paused "
            "their activities after incidents on the border, and some members never "
            "returned. Her answer has always been to keep the door open, to call people "
            "individually, and to wait until they are ready to come back.",
            "For the official negotiators she has one piece of advice: listen to the people "
            "who will live with the results. Agreements that look elegant on a map can "
            "create real hardship if they cut a farmer off from his fields or a child from "
            "her school. Trust, she repeats several times during our conversation, is built "
            "in small steps and can be lost in a single afternoon.",
        ],
        "author": "Lusine Hakobyan",
        "published": "2025-05-20",
        "tags": ["interviews", "peace-talks"],
        "source": "Source: commonspace.eu",
        "caption": "Anahit Grigoryan at her office. Photo: Lusine Hakobyan",
        "has_canonical": False,
    },
    # 7
    {
        "slug": "middle-corridor-needs-more-than-railways",
        "section": "editors-choice",
        "title": "Why the Middle Corridor needs more than railways",
        "lead": (
            "Investment in tracks and ports is only half of the story: the corridor will "
            "succeed or fail on customs procedures, tariffs and predictable rules."
        ),
        "paragraphs": [
            "The Trans-Caspian route, often called the Middle Corridor, has become a fixture "
            "of European connectivity strategies. Freight volumes along the route grew "
            "sharply after 2022, when shippers looked for ways to move goods between China "
            "and Europe without crossing Russian territory. Ports on both shores of the "
            "Caspian Sea reported record traffic, and new rail wagons were ordered in large "
            "numbers.",
            "Yet anyone who has followed a container along the route knows that the "
            "bottlenecks are rarely about steel and concrete alone. A single shipment may "
            "cross five or six borders and switch between rail, ferry and truck several "
            "times. Each transfer brings paperwork, inspections and waiting times that can "
            "add days to a journey and make the corridor unattractive compared with the sea "
            "route.",
            "Harmonised customs procedures would do more for transit times than any new "
            "bridge. Electronic documents that are recognised by every country along the "
            "route, joint inspection points at borders and a common approach to transit "
            "guarantees are technically straightforward. They require political will and a "
            "willingness to share data, both of which have been in shorter supply than "
            "construction budgets.",
            "Tariffs are another sensitive issue. Railway companies and port operators set "
            "their prices separately, which makes it difficult for logistics firms to quote "
            "a single competitive rate to their clients. A coordinated tariff policy, "
            "published well in advance and applied consistently, would give shippers the "
            "predictability they need to commit volumes for a season rather than for a "
            "single consignment.",
            "European institutions can help by linking their infrastructure financing to "
            "measurable improvements in border procedures. Funding a new terminal is "
            "politically attractive, but supporting the less visible work of training "
            "customs officers, digitising forms and aligning regulations may deliver far "
            "greater returns. The corridor will only become a genuine alternative when "
            "moving goods along it is boring, predictable and cheap.",
        ],
        "author": "Marta Lindqvist",
        "published": "2025-09-02",
        "tags": ["connectivity", "trade"],
        "source": "Source: commonspace.eu",
        "caption": "Containers waiting for a ferry at a Caspian port. Photo: archive",
        "has_canonical": True,
        "label": "Editor's choice",
        "kind": "Analysis",
    },
    # 8
    {
        "slug": "armenia-elections-what-polls-tell-us",
        "section": "analysis",
        "title": "Elections in Armenia: what the polls do and do not tell us",
        "lead": (
            "Opinion surveys ahead of the parliamentary vote point to a large pool of "
            "undecided voters, which makes early forecasts unusually fragile."
        ),
        "paragraphs": [
            "With the parliamentary elections still several months away, opinion polls have "
            "started to appear with increasing regularity in the Armenian media. Their "
            "headline numbers attract most of the attention, as commentators compare the "
            "ratings of the ruling party with those of a fragmented opposition. Much less "
            "attention is paid to the methodology behind the figures.",
            "In several recent surveys, between a third and a half of those interviewed said "
            "they had not yet decided how to vote or did not intend to vote at all. This "
            "group is not homogeneous. It includes disillusioned supporters of the governing "
            "party, voters who distrust every political force, and younger citizens who "
            "follow politics mainly through social networks.",
            "Pollsters also face practical challenges. Telephone surveys tend to "
            "underrepresent rural households and elderly residents, while online panels "
            "attract the most politically engaged users. Some organisations commissioning "
            "polls are openly aligned with particular parties, and few publish full "
            "questionnaires or weighting procedures. Readers would be wise to treat any "
            "single survey as an indication rather than a prediction.",
            "The campaign itself is likely to be dominated by questions of security and the "
            "peace process. Parties will be judged on how convincingly they explain their "
            "vision for relations with neighbouring states. Economic concerns, especially "
            "housing costs and wages outside the capital, will nevertheless shape the "
            "choices of many undecided voters.",
            "Observers from international organisations are expected to deploy long-term "
            "missions in the spring. Their reports will focus on the use of administrative "
            "resources, the conduct of the media and the handling of complaints. Whatever "
            "the final result, a vote that is accepted as fair by the losing side would be "
            "an important signal of democratic resilience.",
        ],
        "author": "Editorial staff",
        "published": "2026-01-15",
        "tags": ["elections"],
        "source": "Source: commonspace.eu",
        "caption": "Campaign posters on a street in Yerevan. Photo: archive",
        "has_canonical": True,
    },
    # 9
    {
        "slug": "brussels-civil-society-forum-connectivity",
        "section": "news",
        "title": "Brussels forum brings together civil society from across the region",
        "lead": (
            "More than a hundred activists, researchers and journalists met in Brussels to "
            "discuss how new transport and energy links could benefit local communities."
        ),
        "paragraphs": [
            "A two-day forum organised by a network of European foundations brought together "
            "participants from across the South Caucasus and neighbouring countries this "
            "week. Held in a conference centre near the European Parliament, the event "
            "focused on what the organisers called connectivity from below: the idea that "
            "roads, railways and power lines should be planned around local needs.",
            "Speakers from border regions described how previous infrastructure projects had "
            "bypassed small towns, leaving them with the noise of heavy traffic but few of "
            "the economic benefits. A researcher from a regional university presented survey "
            "data showing that residents generally support new transport links, provided "
            "that they are consulted early and that local businesses can compete for "
            "contracts.",
            "Several sessions were devoted to environmental questions. Participants discussed "
            "the impact of new pipelines and mining projects on rivers and farmland, and "
            "called for independent assessments published in local languages. A group of "
            "young activists presented a proposal for a shared online platform where "
            "citizens could track major projects and submit comments to the financing "
            "institutions.",
            "Officials from the European Commission who attended the forum said they would "
            "take the recommendations into account when preparing future funding "
            "programmes. They stressed that the Union's investment agenda for the region "
            "includes support for civil society monitoring, and invited organisations to "
            "apply for small grants aimed at strengthening public oversight of "
            "infrastructure spending.",
            "The organisers plan to hold a follow-up meeting in the region next year, "
            "rotating the venue between capitals. In a closing statement, they said that "
            "lasting peace depends not only on agreements between governments but also on "
            "practical cooperation between people, and that well-designed infrastructure can "
            "bring communities together rather than dividing them.",
        ],
        "author": "Editorial staff",
        "published": "2025-11-20",
        "tags": ["civil-society", "connectivity"],
        "source": "Source: commonspace.eu with agencies",
        "caption": "Participants during a panel discussion at the forum. Photo: organisers",
        "has_canonical": True,
    },
    # 10
    {
        "slug": "case-for-regional-water-commission",
        "section": "opinion",
        "title": "The case for a regional water commission",
        "lead": (
            "Shrinking rivers and hotter summers make water a shared problem that no "
            "country in the region can solve on its own."
        ),
        "paragraphs": [
            "Every summer the news from the region's rivers seems a little worse. Farmers "
            "along the lower reaches report that irrigation channels run dry weeks earlier "
            "than they used to, while reservoirs upstream struggle to balance the demands of "
            "hydropower, agriculture and drinking water. Climate scientists expect these "
            "pressures to intensify as snowpack in the mountains declines.",
            "Water does not respect political boundaries. The Kura and Araks basins cross "
            "several countries, and decisions taken in one place affect the quantity and "
            "quality of water available hundreds of kilometres downstream. Pollution from "
            "mining and untreated sewage travels the same way. Yet the institutions that "
            "manage these rivers remain almost entirely national.",
            "A regional water commission, modelled on successful examples elsewhere in "
            "Europe, could change that. Such a body would not need sweeping powers at first. "
            "Its initial tasks could be to publish shared monitoring data, coordinate "
            "responses to droughts and floods, and provide a neutral forum where engineers "
            "from different countries meet regardless of the political weather.",
            "Sceptics will say that cooperation on water is unrealistic while larger "
            "political questions remain unresolved. Experience suggests the opposite. "
            "Technical cooperation on shared resources has often continued between countries "
            "with difficult relations, precisely because the alternative is so costly for "
            "everyone. Joint management of rivers can become a building block of trust "
            "rather than a reward for peace.",
            "International partners can help by offering funding, expertise and a "
            "secretariat to get the commission started. The European Union, which has long "
            "experience with river basin management, is well placed to play this role. But "
            "the initiative must come from the countries themselves, and it should begin "
            "soon, before another dry summer turns a manageable challenge into a crisis.",
        ],
        "author": "Aysel Mammadova",
        "published": "2025-08-14",
        "tags": ["water", "environment"],
        "source": "Source: commonspace.eu",
        "caption": "An irrigation channel near the Kura river. Photo: Aysel Mammadova",
        "has_canonical": False,
    },
    # 11
    {
        "slug": "interview-energy-economist-power-grids",
        "section": "interview",
        "title": "Interview: an energy economist on connecting the region's power grids",
        "lead": (
            "Linking national electricity grids could lower prices and support renewables, "
            "but only if regulators agree on common rules, argues a regional energy "
            "economist."
        ),
        "paragraphs": [
            "Levan Beridze teaches energy economics and has advised several governments on "
            "electricity market reform. In his view, the most underrated opportunity in the "
            "region is not a new pipeline but the humble high-voltage line. Connecting "
            "national grids, he argues, would allow countries to share reserves, trade "
            "surplus power and integrate far more wind and solar generation.",
            "He explains that small electricity systems are expensive to run because each "
            "must keep its own backup capacity for peak demand and emergencies. When grids "
            "are connected, a sudden drop in output in one country can be covered by imports "
            "from a neighbour. Over time this reduces the need for costly standby plants and "
            "makes the network more resilient.",
            "The technical obstacles are manageable, he says, but the regulatory ones are "
            "serious. Countries use different rules for setting tariffs, allocating "
            "transmission capacity and settling cross-border trades. Without a shared "
            "rulebook, a new interconnector can sit idle for much of the year because "
            "traders cannot agree on who pays for losses and how capacity is auctioned.",
            "Asked about the proposed submarine cable to south-eastern Europe, he is "
            "cautiously optimistic. The project could give regional producers access to a "
            "much larger market, he notes, but its economics depend on long-term purchase "
            "agreements and on strengthening domestic grids first. A cable that ends at an "
            "overloaded substation would deliver far less than its headline capacity "
            "suggests.",
            "His final message is addressed to policymakers who prefer announcing "
            "megaprojects to reforming institutions. Independent regulators, transparent "
            "market data and predictable rules are what attract private investors, he "
            "argues. Once those foundations exist, financing for new lines tends to follow. "
            "Without them, even the most impressive infrastructure risks becoming a monument "
            "to good intentions.",
        ],
        "author": "Dennis Hartmann",
        "published": "2025-12-09",
        "tags": ["energy", "interviews"],
        "source": "Source: commonspace.eu",
        "caption": "High-voltage lines near a hydropower plant. Photo: archive",
        "has_canonical": True,
    },
    # 12
    {
        "slug": "young-journalists-joint-reporting-fellowship",
        "section": "news",
        "title": "Young journalists complete a joint reporting fellowship",
        "lead": (
            "Twelve reporters from across the South Caucasus spent six months producing "
            "joint stories on topics ranging from migration to mountain tourism."
        ),
        "paragraphs": [
            "A fellowship programme for young journalists from Armenia, Azerbaijan and "
            "Georgia concluded this week with a public presentation of the stories produced "
            "by its participants. The twelve fellows worked in mixed teams, each including "
            "reporters from at least two countries, and were mentored by experienced editors "
            "from European newsrooms.",
            "The topics were chosen by the teams themselves. One group examined how seasonal "
            "labour migration shapes family life in mountain villages, while another looked "
            "at the rapid growth of hiking tourism and its effect on small guesthouses. A "
            "third team compared how schools in different countries teach the history of the "
            "twentieth century.",
            "Participants said the hardest part of the programme was not the reporting but "
            "agreeing on the language of their stories. Place names, historical references "
            "and even the choice of photographs required long discussions. Several fellows "
            "described those debates as the most valuable lesson, because they forced "
            "everyone to explain assumptions that normally go unquestioned.",
            "The stories have been published by partner media outlets in the region and "
            "translated into English for an international audience. Some pieces attracted "
            "hostile comments on social networks, and the organisers provided the fellows "
            "with guidance on digital safety and on how to respond to online harassment "
            "without withdrawing from public debate.",
            "The organisers hope to run a second edition later this year and to expand the "
            "programme to include photographers and data journalists. Alumni of the first "
            "cohort have already formed an informal network to exchange story ideas and "
            "contacts, which the mentors regard as the clearest sign that the experiment has "
            "worked.",
        ],
        "author": "Editorial staff",
        "published": "2026-02-03",
        "tags": ["media", "civil-society"],
        "source": "Source: commonspace.eu",
        "caption": "Fellows presenting their work at the closing event. Photo: organisers",
        "has_canonical": True,
    },
    # 13
    {
        "slug": "black-sea-security-shipping-corridor",
        "section": "analysis",
        "title": "Black Sea security after the shipping corridor",
        "lead": (
            "Shipping has adapted to war in the Black Sea, but the region's coastal states "
            "face a long list of unresolved security questions."
        ),
        "paragraphs": [
            "Merchant traffic in the Black Sea has proved more resilient than many analysts "
            "expected at the start of the war. Shipping companies adjusted their routes, "
            "insurers developed new products and ports on the western coast handled record "
            "volumes of grain. The sea remains dangerous, however, and every month brings "
            "reports of drifting mines or attacks on port infrastructure.",
            "For the coastal states outside the immediate conflict, the situation creates a "
            "difficult balancing act. Their navies are small, their economies depend heavily "
            "on maritime trade and their governments must respect long-standing legal "
            "restrictions on warship movements. Closer cooperation on mine clearance has been "
            "one of the few areas where practical progress has been rapid.",
            "The countries of the South Caucasus watch these developments closely. Georgia's "
            "ports are an essential link in the trade route connecting Central Asia with "
            "Europe, and any disruption at sea quickly affects exporters far inland. Plans "
            "for a deep-water port and for new ferry connections have gained renewed "
            "attention as investors look for alternative routes.",
            "European institutions have started to treat the Black Sea as a region of "
            "strategic importance in its own right rather than as a periphery of other "
            "policy areas. A new maritime security strategy discusses surveillance, "
            "protection of undersea cables and support for coastal infrastructure. Turning "
            "those intentions into budgets and joint operations will be the real test.",
            "Longer term, the security of the Black Sea will depend on the outcome of the war "
            "and on whether a durable settlement can be reached. In the meantime, the "
            "practical priorities are clear: keeping shipping lanes safe, protecting "
            "critical infrastructure, and ensuring that the smaller coastal states are not "
            "left to manage the consequences of the conflict on their own.",
        ],
        "author": "Marta Lindqvist",
        "published": "2026-02-20",
        "tags": ["black-sea", "security"],
        "source": "Source: commonspace.eu with agencies",
        "caption": "A cargo ship leaving the port of Poti. Photo: archive",
        "has_canonical": False,
    },
    # 14
    {
        "slug": "cleared-fields-slow-work-removing-landmines",
        "section": "editors-choice",
        "title": "Cleared fields: the slow work of removing landmines",
        "lead": (
            "Demining teams are returning farmland to use one metre at a time, in work that "
            "is dangerous, expensive and largely invisible to the outside world."
        ),
        "paragraphs": [
            "The morning starts early for the deminers working on the edge of a former front "
            "line. By seven o'clock the team has unloaded its detectors, marked the safe "
            "lanes with red and white tape and begun the slow process of checking the ground "
            "in front of them. On a good day, a team of six can clear a few hundred square "
            "metres of farmland.",
            "The fields they work on were once among the most productive in the area, "
            "planted with wheat, vines and orchards. Decades of conflict left them "
            "contaminated with mines and unexploded ordnance, and many families simply "
            "stopped farming them. Older residents still remember the names of particular "
            "plots and follow the progress of the clearance with a mixture of hope and "
            "impatience.",
            "Accidents still happen, most often when shepherds or people collecting scrap "
            "metal stray into areas that have not yet been surveyed. Each incident is a "
            "reminder of why mine risk education remains as important as clearance itself. "
            "Teachers in local schools now run regular lessons in which children learn to "
            "recognise warning signs and report suspicious objects.",
            "Funding is a constant worry. Demining is labour-intensive and requires "
            "well-maintained equipment, insurance and medical support for every team in the "
            "field. International donors have provided generous grants, but their "
            "commitments tend to run for one or two years at a time, making it difficult for "
            "organisations to retain experienced staff or plan a full season.",
            "New technologies offer some help. Drones equipped with thermal cameras can map "
            "suspected areas faster than ground teams, and trained detection dogs speed up "
            "the checking of roads and tracks. Yet the final step still requires a person "
            "kneeling on the ground, working carefully through the soil. It is patient, "
            "unglamorous work, and the precondition for everything else peace should bring.",
        ],
        "author": "Lusine Hakobyan",
        "published": "2026-03-10",
        "tags": ["demining", "security"],
        "source": "Source: commonspace.eu",
        "caption": "A deminer at work in a field marked with warning tape. Photo: Lusine Hakobyan",
        "has_canonical": True,
        "label": "Editor's choice",
        "kind": "Feature",
    },
]

# The republished copy (same text, different URL, "Republished: " title prefix).
REPUBLISHED_OF_SLUG = "foreign-ministers-resume-border-talks"
REPUBLISHED_TITLE_PREFIX = "Republished: "
REPUBLISHED_PUBLISHED = "2025-03-07"

# Variant 1: the 3rd article gets ONE sentence of ONE body paragraph edited.
VARIANT1_EDIT = {
    "article_index": 2,
    "paragraph": 2,
    "old": "This mismatch of time horizons is the core of the problem.",
    "new": "This mismatch of investment horizons lies at the heart of the difficulty.",
}
# Variant 1: the 5th article shows different teaser cards only.
VARIANT1_TEASER_INDEX = 4

# Variant 1: a new article (newest of all).
NEW_ARTICLE: dict = {
    "slug": "eu-fund-cross-border-youth-projects",
    "section": "news",
    "title": "EU launches fund for cross-border youth projects",
    "lead": (
        "A new grant scheme will support exchanges, summer schools and joint projects "
        "involving young people from across the South Caucasus."
    ),
    "paragraphs": [
        "The European Union announced on Thursday a new grant scheme for youth initiatives "
        "that bring together participants from more than one country in the South Caucasus. "
        "The fund will finance exchanges, summer schools, joint research projects and "
        "cultural events, with a particular emphasis on activities organised outside the "
        "capitals.",
        "Applications will be open to schools, universities, youth clubs and registered "
        "non-governmental organisations. Projects must involve partners from at least two "
        "countries and include a plan for continuing contacts after the funded activities "
        "have ended. Smaller grants will be available for first-time applicants, and a help "
        "desk will assist inexperienced organisations.",
        "Officials presenting the scheme said that the idea grew out of consultations held "
        "with youth organisations over the past year. Many participants had described the "
        "difficulty of finding modest sums to cover travel and accommodation. The new fund "
        "is designed to fill that gap quickly and with limited bureaucracy.",
        "Reactions from civil society have been largely positive, although some "
        "organisations warned that the fund should not replace longer-term support for "
        "independent youth work. The first call for proposals is expected in early summer, "
        "and results will be announced before the start of the next academic year.",
    ],
    "author": "Editorial staff",
    "published": "2026-04-02",
    "tags": ["eu", "civil-society"],
    "source": "Source: commonspace.eu with agencies",
    "caption": "Students at a summer school in the mountains. Photo: archive",
    "has_canonical": True,
}

ABOUT_PARAGRAPHS = [
    "This website is a demonstration copy of a small news and analysis portal covering "
    "the South Caucasus and its relations with the wider European neighbourhood. It "
    "publishes news, opinion pieces, longer analyses and interviews written by a small "
    "editorial team and by contributors from the region.",
    "The editorial line favours dialogue, peaceful resolution of conflicts and practical "
    "cooperation between neighbours. Contributors are free to express their own views, "
    "which do not necessarily reflect those of the editors or of the organisations that "
    "support the portal.",
    "The pages listed below exist only to exercise web crawlers and archivers. They "
    "return unusual responses on purpose: binary documents, empty or broken markup, "
    "undeclared or wrongly declared encodings, very large bodies, errors and redirects.",
]

CONTACT_PARAGRAPHS = [
    "The editors welcome proposals for articles, comments on published material and "
    "corrections of factual mistakes. Please write to the editorial office and include a "
    "short description of your idea together with a few lines about yourself.",
    "We read every message, but we cannot always reply individually. Proposals for "
    "opinion pieces should be between eight hundred and twelve hundred words, and should "
    "not have been published elsewhere in the same form.",
    "Editorial office: 12 Example Street, 1000 Brussels. Email: editors@example.org.",
]

MEMBERS_PARAGRAPHS = [
    "This area is reserved for registered members of the editorial network. It contains "
    "draft articles, planning documents and contact lists that are not meant for public "
    "distribution.",
    "Automated agents are asked not to visit this section; see the robots.txt file.",
]

# Windows-1252 page with no declared charset anywhere.
LATIN1_TITLE = "Café society returns to Tbilisi’s old town"
LATIN1_PARAGRAPHS = [
    "On a warm evening the terraces along the old town’s narrow streets are full again. "
    "Visitors from Zürich, München and Besançon sit next to students from the local "
    "university, and waiters carry trays of coffee, wine and khachapuri between the tables.",
    "Prices have risen: a glass of local wine now costs around €4 and a full dinner for two "
    "rarely stays under €40. Owners say that the return of tourists has saved businesses "
    "that barely survived the difficult years — “we are fully booked until October”, one "
    "of them told us with a smile.",
    "Residents are more ambivalent. Rents in the historic quarter have doubled, and some "
    "families who lived there for generations have moved to the suburbs. The municipality "
    "promises new rules for short-term rentals, but details remain vague.",
]

# Windows-1251 Cyrillic text served with a header that claims UTF-8.
CYRILLIC_TITLE = "Министры иностранных дел продолжили переговоры"
CYRILLIC_PARAGRAPHS = [
    "Министры иностранных дел встретились во вторник, чтобы обсудить вопросы делимитации "
    "границы. Встреча прошла за закрытыми дверями и продолжалась почти весь день.",
    "Стороны договорились о графике новых встреч экспертов и поручили техническим группам "
    "подготовить карты спорных участков до начала лета.",
]
