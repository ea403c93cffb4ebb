"""Handwritten word lists for finding names: titles, roles, cues, and words that are not names.

Written for coder from general knowledge of UK health and care (not fitted to any labelled
set). All entries are compared in lower case.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in text.split())


# A capitalised title before a name: "Dr Okafor", "Sister O'Donnell", "Mrs Patricia Doyle".
TITLES = _words(
    """
    Dr Dr. Doctor Mr Mr. Mrs Mrs. Ms Ms. Miss Mx Prof Prof. Professor Sister Matron Sir Dame
    Lady Lord Baroness Baron Father Fr Fr. Rev Rev. Reverend Revd Cllr Councillor Imam Rabbi
    Pastor Auntie Aunty Uncle Nana Nan Grandma Grandad Granddad
    """
)

# A role or relation just before a name: "my manager Sanjay", "our CCIO, Dr ...", "son Daniel".
ROLES = _words(
    """
    manager managers colleague colleagues clerk lead leads leader director cio ccio cnio cmio
    ceo coo cfo chair chairman chairwoman consultant consultants registrar registrars
    supervisor mentor mentee boss friend friends mum mother dad father son sons daughter
    daughters husband wife partner brother sister sisters aunt uncle nephew niece grandson
    granddaughter grandmother grandfather neighbour carer carers secretary coordinator
    co-ordinator administrator admin receptionist receptionists practitioner assistant
    pharmacist pharmacists technician technicians physio physiotherapist therapist analyst
    developer engineer trainer trainers educator facilitator volunteer volunteers officer
    champion champions superuser apprentice student students trainee trainees hca hcas
    midwife midwives visitor nurse nurses matron doctor doctors gp surgeon anaesthetist
    paramedic porter porters chaplain interpreter translator worker workers navigator buddy
    counsellor dietitian optometrist dentist psychologist psychiatrist radiographer
    sonographer scientist clinician clinicians patient patients resident residents client
    tenant member members expert speaker presenter guru wizard owner head deputy
    """
)

# A verb or greeting of contact just before a name: "ask Priya", "thanks Efua", "cc Marcus".
CUES = _words(
    """
    ask asked asking thank thanks thanked contact contacted contacting call called calling
    ring rang ringing phone phoned phoning email emailed emailing e-mail e-mailed text texted
    message messaged cc bcc tell told telling meet met meeting invite invited introduce
    introduced thank-you dear hi hello hey cheers congratulations congrats welcome shadowed
    shadowing named praise praised credit regards wishes love
    """
)

# A preposition or verb that often, but not always, comes before a name.
WEAK_CUES = _words(
    "with to from by for and or & , via including especially like see saw is was me loved"
)

# After a name: words that make it one ("Siobhan from the...", "Hamza said", "Priya's team").
AFTER = _words(
    """
    said says say told tells asked asks explained explains suggested suggests mentioned
    thinks thought showed shows built builds set sets runs ran leads led made makes wrote
    writes helped helps fixed fixes noticed notices joined left presented presents uses used
    spoke speaks spent spends taught teaches trained trains designed designs created creates
    found finds started starts organised organises agreed agrees noted recommended wants
    wanted knows knew who is was has had does did will would can could should from in on at
    who's
    """
)

# Capitalised words that are never a person's name on their own in these texts.
NOT_NAMES = _words(
    """
    the a an our my your their his her this that these those it we you they i all any every
    each some no please thanks dear hi hello nhs trust trusts ccg ccgs icb icbs ics csu gp
    gps it ict ig cqc epr eprs pas pacs hr health care social digital informatics pharmacy
    estates finance board team teams ward wards band level unit units department service
    services hospital hospitals clinic clinics practice practices council england scotland
    wales ireland britain uk london monday tuesday wednesday thursday friday saturday sunday
    january february march july september october november december
    christmas easter eid diwali ramadan covid covid-19 coronavirus microsoft windows excel
    word outlook skype yammer whatsapp twitter facebook google apple android ipad iphone
    emis systmone tpp cerner epic vision adastra medway meditech allscripts
    oracle graphnet orion docman accurx datix esr nhsmail smartcard spine cortana
    babylon copilot chatgpt zoom attend anywhere patients staff nurses
    doctors clinicians managers leaders local national regional community mental primary
    secondary acute urgent emergency out one two three four five six seven eight nine ten
    yes not also just only then now here there when where why how what who if since so but
    and or for from to in on at by with about after before during without into royal
    college university foundation institute academy school centre center house road street
    lane way avenue park hall gardens close drive crescent square terrace grove hill green
    lodge cottage court wing suite building station infirmary surgery medical general
    group partnership network alliance association society federation fund charity hub
    programme project strategy plan policy act award prize report review syndrome
    disease palsy scale score test method model protocol app apps portal system systems
    league friends macmillan saint st st. queen king prince princess duke
    mount port fort cape north south east west northern southern eastern western central
    upper lower new old great little grand high chief senior junior head deputy assistant
    clinical nursing medicine surgical theatre theatres outpatients inpatients maternity
    paediatrics radiology pathology cardiology oncology neurology dermatology
    ophthalmology orthopaedics physiotherapy therapy therapies dietetics psychology
    psychiatry dental dentistry optometry audiology occupational speech language ambulance
    rehab rehabilitation palliative hospice dementia stroke renal diabetes cancer
    parkinson parkinson's alzheimer alzheimer's crohn crohn's down down's hodgkin
    hodgkin's huntington huntington's addison addison's cushing cushing's asperger
    asperger's tourette tourette's raynaud raynaud's hashimoto hashimoto's barrett
    barrett's kaposi kaposi's paget paget's bell's lyme guillain-barré apgar glasgow
    waterlow braden news news2 mews sbar nice mhra nhsx nhse hee phe ukhsa dhsc rcn rcgp
    healthwatch ofsted brexit mencap barnardo barnardo's barnardos specsavers tesco asda
    boots amazon
    deloitte accenture
    gartner kpmg pwc capita serco livi patchs klinik econsult nervecentre careflow badgernet
    bma gmc nmc hcpc nursing midwifery addenbrooke addenbrooke's guy's barts bart's
    metformin insulin warfarin paracetamol ibuprofen aspirin morphine oramorph codeine
    tramadol naproxen diazepam lorazepam clozapine olanzapine risperidone quetiapine lithium
    methotrexate prednisolone dexamethasone heparin enoxaparin apixaban rivaroxaban
    edoxaban dabigatran clopidogrel furosemide bisoprolol digoxin donepezil memantine
    sertraline citalopram fluoxetine mirtazapine amitriptyline gabapentin pregabalin
    omeprazole lansoprazole simvastatin atorvastatin ramipril amlodipine levothyroxine
    salbutamol amoxicillin doxycycline flucloxacillin co-amoxiclav vancomycin gentamicin
    """
)

# Words often following a name-like word when it is part of a place, unit or organisation:
# "Grace Ward", "Queen Elizabeth Hospital", "Rose Cottage", "Harris Academy".
ORG_AFTER = _words(
    """
    ward wards unit hospital infirmary clinic centre center house road street lane way
    avenue park hall gardens close drive crescent square terrace grove hill lodge cottage
    court wing suite building station surgery practice medical health trust foundation
    college university school academy institute library fund award prize lecture syndrome
    disease scale score test method model protocol report review act group partnership
    network hub campus site estate village town city county district borough council
    memorial hospice home homes care nursing team suite theatre theatres lounge
    """
)

# Given names that are also common words, months, places or products: names only with
# support from the context ("ask Will", "Grace Adeyemi", "Grace from the IT team").
WORDLIKE = _words(
    """
    will mark bill grace hope faith joy rose amber ruby jade dawn summer holly heather
    ivy lily daisy poppy hazel violet olive pearl sandy brook river crystal angel rich frank
    pat rob sue jack bob don art guy max ray drew gene lee dean chase pierce miles earl
    sterling hunter major page penny autumn winter spring star sky storm
    rain sunny precious patience blessing gift mercy charity constance prudence honour honor
    destiny harmony melody justice unity trinity robin
    carol bud buck cliff dale glen heath rocky woody misty candy cherry ginger opal jewel
    ocean forest royal king earnest ernest noble sonny lucky dusty rusty pip nelson
    harley chance sage true wren reed rowan skye sunshine baby lady said dev ion
    """
)

# Given names that are also months, places or products: names only with a title, a role, a
# verb of contact or a surname ("ask April", "Victoria Okonjo"), never after "with" or "to".
THINGLIKE = _words(
    """
    may april june august florence alexa siri ada lorenzo rio iris aria victoria chester
    lincoln jersey paris kent georgia sydney adelaide austin jordan eve christian india
    china asia kenya israel devon essex jan hong
    """
)

# UK places (cities, towns, boroughs, counties, regions) that look like names or are not
# English words: a place, never a name on its own ("Chorley and Preston hospitals"), but a
# surname after a given name or a title ("Tom Preston", "Mrs Bradford").
PLACES = _words(
    """
    aberdeen aberystwyth accrington aintree airdrie aldershot alnwick altrincham andover
    ashford ashington ashton aylesbury ayr banbury bangor barking barnet barnsley barnstaple
    barrow basildon basingstoke bath batley bedford belfast berkshire bexley beverley
    birkenhead birmingham blackburn blackpool bodmin bolton bootle boston bournemouth bracknell
    bradford braintree brent brentwood bridgend bridgwater brighton bristol bromley
    buckinghamshire burnley burton bury cambridge cambridgeshire camden canterbury cardiff
    carlisle carmarthen chelmsford cheltenham cheshire chesterfield chichester chippenham
    chorley clacton colchester corby cornwall coventry crawley crewe croydon cumbria
    darlington dartford derby derbyshire dewsbury doncaster dorchester dorset dover dudley
    dumfries dundee durham ealing eastbourne edinburgh enfield epsom exeter falkirk fareham
    farnborough folkestone frimley gateshead gillingham glasgow gloucester gloucestershire
    gosport grantham gravesend grimsby guildford hackney halifax hamilton hammersmith
    hampshire haringey harlow harrogate harrow hartlepool hastings havering hereford
    hertfordshire high hillingdon hinckley holborn horsham hounslow huddersfield hull
    huntingdon inverness ipswich islington kendal kensington kettering kidderminster
    kilmarnock kingston kirkcaldy kirklees knowsley lambeth lancashire lancaster leeds
    leicester leicestershire lewisham lichfield lincolnshire liverpool livingston llandudno
    llanelli londonderry derry loughborough luton macclesfield maidstone manchester mansfield
    margate medway merseyside merton middlesbrough milton keynes motherwell newbury newcastle
    newham newport newry northallerton northampton northamptonshire northumberland norwich
    nottingham nottinghamshire nuneaton oldham oxford oxfordshire paisley papworth
    penzance perth peterborough plymouth pontypridd poole portsmouth preston reading
    redbridge redditch reigate richmond rochdale rochester romford rotherham rugby runcorn
    salford salisbury sandwell scarborough scunthorpe sefton sheffield shrewsbury shropshire
    slough solihull somerset southampton southend southport southwark stafford staffordshire
    stevenage stirling stockport stockton stoke suffolk sunderland surrey sutton swansea
    swindon tameside taunton telford thurrock torbay torquay tottenham truro tunbridge
    wakefield walsall waltham wandsworth warrington warwick warwickshire watford wembley
    weston wigan wiltshire winchester windsor wirral woking wolverhampton worcester
    worcestershire worthing wrexham wythenshawe yeovil york yorkshire whitechapel
    moorfields frenchay southmead treliske wexham hinchingbrooke lister homerton
    """
)

# Common East Asian family names, which often come first ("Zhou Xin", "Nguyen Van An").
EAST_ASIAN_SURNAMES = _words(
    """
    wang li zhang liu chen yang huang zhao wu zhou xu sun zhu hu guo lin luo gao zheng liang
    xie tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang du ye cheng wei
    su ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou meng xiong
    qin qiu yin xue yan duan lei hou gu mao hao gong shao wan qian dai kong xiang kim lee
    park choi jung kang cho yoon jang lim oh seo shin kwon hwang ahn yoo nguyen tran pham
    hoang huynh phan vu vo dang bui ngo duong ly sato suzuki takahashi tanaka watanabe ito
    yamamoto nakamura kobayashi kato yoshida yamada sasaki yamaguchi matsumoto inoue kimura
    hayashi shimizu
    """
)

# Names that are things in the NHS: "Lloyd George envelopes" (GP records), "Marie Curie"
# (the charity) is left out on purpose: it is also a person's name.
NOT_NAME_PHRASES = frozenset({("lloyd", "george")})
