"""How Chinese government bodies are named: data for rag.bodies (which matches question text
against the catalog) — level words, the organ words that mean the same body, and the standard
department names with the abbreviations people actually type.

Data only, no logic: a name is read as place chain + organ, e.g. 淮安市洪泽区 + 人民政府,
上海市 + 人民政府办公厅, 淮安市 + 教育局. Every tuple is ordered longest form first where
rag.bodies strips suffixes with it.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------------
# Places: level words and their rank
# ------------------------------------------------------------------------------------------------

# Level word -> rank. Ranks group words that stand at the same tier; a question's level word must
# be the catalog place's own word or one of its ALT_LEVELS (朝阳区 is not 朝阳县, 吉林市 not 吉林省).
LEVELS: dict[str, str] = {
    "特别行政区": "province",
    "自治区": "province",
    "省": "province",
    "自治州": "prefecture",
    "地区": "prefecture",
    "盟": "prefecture",
    "州": "prefecture",
    "市": "city",  # a prefecture-level or a county-level city
    "自治县": "county",
    "自治旗": "county",
    "县": "county",
    "旗": "county",
    "特区": "county",
    "林区": "county",
    "区": "county",
    "高新技术产业开发区": "zone",
    "经济技术开发区": "zone",
    "综合实验区": "zone",
    "综合试验区": "zone",
    "经济开发区": "zone",
    "综合保税区": "zone",
    "工业园区": "zone",
    "产业园区": "zone",
    "实验区": "zone",
    "试验区": "zone",
    "示范区": "zone",
    "合作区": "zone",
    "开发区": "zone",
    "高新区": "zone",
    "经开区": "zone",
    "保税区": "zone",
    "管理区": "zone",
    "度假区": "zone",
    "新区": "zone",
    "街道": "township",
    "镇": "township",
    "乡": "township",
}

# Other ways to say a place's own level word (平潭综合实验区 = 平潭实验区 = 平潭区).
ALT_LEVELS: dict[str, tuple[str, ...]] = {
    "综合实验区": ("实验区", "综合试验区", "试验区", "区"),
    "综合试验区": ("试验区", "综合实验区", "实验区", "区"),
    "实验区": ("试验区", "区"),
    "试验区": ("实验区", "区"),
    "高新技术产业开发区": ("高新区", "高新技术开发区", "开发区", "区"),
    "经济技术开发区": ("经开区", "经济开发区", "开发区", "区"),
    "经济开发区": ("经开区", "开发区", "区"),
    "经开区": ("经济技术开发区", "开发区", "区"),
    "开发区": ("区",),
    "工业园区": ("园区", "区"),
    "产业园区": ("园区", "区"),
    "高新区": ("高新技术产业开发区", "开发区", "区"),
    "示范区": ("区",),
    "合作区": ("区",),
    "新区": ("区",),
    "自治县": ("县",),
    "自治旗": ("旗",),
    "自治州": ("州",),
    "街道": ("街道办事处", "街道办"),
}

# Ethnic names between a place and 自治X (长阳土家族自治县 -> 长阳), longest first.
ETHNIC: tuple[str, ...] = (
    "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "鄂温克", "鄂伦春", "达斡尔", "土家族", "蒙古族",
    "朝鲜族", "布依族", "哈尼族", "傈僳族", "纳西族", "拉祜族", "仫佬族", "毛南族", "仡佬族",
    "撒拉族", "保安族", "裕固族", "锡伯族", "普米族", "景颇族", "德昂族", "独龙族", "怒族",
    "壮族", "回族", "藏族", "苗族", "彝族", "侗族", "瑶族", "白族", "傣族", "黎族", "畲族", "满族",
    "羌族", "水族", "佤族", "土族", "东乡族", "各族",
)  # fmt: skip

# Words shaped like a place (X市, X区) that name no particular place.
GENERIC_PLACES: frozenset[str] = frozenset(
    {
        "全市", "全区", "全县", "全省", "本市", "本区", "本县", "本省", "我市", "我区", "我县", "该市",
        "该区", "该县", "各市", "各区", "各县", "城区", "市区", "县区", "区县", "辖区", "新区", "地区",
        "社区", "园区", "景区", "小区", "全镇", "本镇", "各地", "本地", "当地", "城市", "县城",
        "哪个区", "哪个县", "哪个市", "中国", "全国", "国家", "中华人民共和国",
    }
)  # fmt: skip

# ------------------------------------------------------------------------------------------------
# Organs: what follows the place
# ------------------------------------------------------------------------------------------------

# The government of a place, however it is written (人民政府 ≡ 政府; a zone's 管委会; a 街道's 办事处).
GOV_FORMS: tuple[str, ...] = ("人民政府", "政府")
ZONE_GOV_FORMS: tuple[str, ...] = ("管理委员会", "管委会")
STREET_GOV_FORMS: tuple[str, ...] = ("办事处",)

# The government's general office. 办公厅 (province level) and 办公室 (below) are the same organ
# to a citizen; the other word matches too, with a note.
OFFICE_FORMS: dict[str, tuple[str, ...]] = {
    "办公厅": ("人民政府办公厅", "政府办公厅", "办公厅"),
    "办公室": ("人民政府办公室", "政府办公室", "政府办", "办公室"),
}

# Standard department names. Each family is one kind of department; each entry is one standard
# name with its usual abbreviations. Another standard name of the same family (发改委 for a
# 发展和改革局) still matches, with a note.
DEPARTMENTS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (
        ("发展和改革委员会", "发展改革委员会", "发展和改革委", "发展改革委", "发改委"),
        ("发展和改革局", "发展改革局", "发改局"),
    ),
    (
        ("科学技术局", "科技局"),
        ("科学技术委员会", "科技委员会", "科委"),
        ("科学技术厅", "科技厅"),
        ("科学技术和工业信息化局", "科技和工业信息化局", "科工信局"),
    ),
    (
        ("工业和信息化局", "工业和信息化委员会", "工信局", "经济和信息化局", "经信局"),
        ("工业和信息化厅", "工信厅"),
        ("经济和信息化委员会", "经信委"),
    ),
    (
        ("卫生健康委员会", "卫生和健康委员会", "卫生健康委", "卫健委"),
        ("卫生健康局", "卫生和健康局", "卫健局"),
        ("卫生和计划生育委员会", "卫生计生委", "卫计委", "卫生局"),  # the names before 2018
    ),
    (
        ("人力资源和社会保障局", "人力资源社会保障局", "人社局"),
        ("人力资源和社会保障厅", "人力资源社会保障厅", "人社厅"),
    ),
    (
        ("市场监督管理局", "市场监管局", "市监局"),
        ("工商行政管理局", "工商局", "质量技术监督局", "质监局", "食品药品监督管理局", "食药监局"),
    ),
    (
        ("住房和城乡建设局", "住房城乡建设局", "住建局", "建设局"),
        ("住房和城乡建设委员会", "住房城乡建设委员会", "住建委"),
        ("住房和城乡建设厅", "住建厅"),
    ),
    (("生态环境局", "环境保护局", "环保局"), ("生态环境厅",)),
    (
        ("自然资源和规划局", "自然资源局", "规划和自然资源局", "自然资源规划局", "规划局"),
        ("自然资源厅",),
        ("国土资源局", "国土局"),
    ),
    (
        ("农业农村局", "农业局"),
        ("农业农村委员会", "农委"),
        ("农业农村厅", "农业厅"),
    ),
    (
        ("文化和旅游局", "文化旅游局", "文旅局"),
        ("文化广电和旅游局", "文化广电旅游局", "文化广电体育和旅游局", "文广旅局", "文广旅体局"),
        ("文化和旅游厅", "文旅厅"),
    ),
    (
        ("教育局", "教育和体育局", "教体局"),
        ("教育委员会", "教委"),
        ("教育厅",),
    ),
    (("公安局", "公安分局"), ("公安厅",)),
    (("民政局",), ("民政厅",)),
    (("司法局",), ("司法厅",)),
    (("财政局",), ("财政厅",)),
    (("审计局",), ("审计厅",)),
    (("统计局",),),
    (("医疗保障局", "医保局"),),
    (("应急管理局", "应急局"), ("应急管理厅",), ("安全生产监督管理局", "安监局")),
    (("退役军人事务局", "退役军人局", "退役军人事务管理局"), ("退役军人事务厅",)),
    (("行政审批局", "行政审批服务局", "审批局"),),
    (("数据局", "大数据局", "大数据管理局", "数据资源管理局", "数据资源局", "大数据发展管理局"),),
    (
        ("交通运输局", "交通局"),
        ("交通运输委员会", "交通委"),
        ("交通运输厅", "交通厅"),
    ),
    (("水利局", "水务局"), ("水利厅",)),
    (("商务局",), ("商务委员会", "商务委"), ("商务厅",)),
    (("林业局", "林业和草原局", "林草局"),),
    (("体育局",),),
    (("税务局",),),
    (
        (
            "城市管理局",
            "城管局",
            "城市管理综合行政执法局",
            "城市管理和综合执法局",
            "综合行政执法局",
            "城管执法局",
        ),
    ),
    (("信访局",),),
    (("档案局", "档案馆"),),
    (("粮食和物资储备局", "粮食局"),),
    (("乡村振兴局", "扶贫开发办公室", "扶贫办"),),
    (("国有资产监督管理委员会", "国资委"),),
    (("地方金融监督管理局", "金融工作局", "金融局", "金融办"),),
    (("政务服务管理局", "政务服务和数据管理局", "政务服务局", "政务办"),),
    (("机关事务管理局", "机关事务局"),),
    (("人民防空办公室", "人防办"),),
    (("外事办公室", "外办"),),
    (("住房公积金管理中心", "公积金中心"),),
    (("气象局",),),
    (("民族宗教事务局", "民宗局"),),
    (("广播电视局", "广电局"),),
)

# ------------------------------------------------------------------------------------------------
# English and romanised forms
# ------------------------------------------------------------------------------------------------

# English level words -> the Chinese level words they translate (checked against the place's).
EN_LEVELS: dict[str, tuple[str, ...]] = {
    "province": ("省",),
    "autonomous region": ("自治区",),
    "prefecture": ("州", "自治州", "地区", "市"),
    "municipality": ("市",),
    "municipal": ("市",),
    "city": ("市",),
    "county": ("县", "自治县"),
    "district": ("区",),
    "banner": ("旗",),
    "town": ("镇",),
    "township": ("乡", "镇"),
    "subdistrict": ("街道",),
    "street": ("街道",),
    "new area": ("新区",),
    "pilot zone": ("综合实验区", "实验区", "试验区"),
    "experimental zone": ("综合实验区", "实验区", "试验区"),
    "comprehensive experimental zone": ("综合实验区",),
    "development zone": ("开发区", "经济开发区", "经济技术开发区"),
    "high-tech zone": ("高新区", "高新技术产业开发区"),
    "zone": ("综合实验区", "实验区", "试验区", "开发区", "高新区", "示范区", "新区"),
}

# English organ words -> "gov" | "office" (the government's general office).
EN_ORGANS: dict[str, str] = {
    "people's government": "gov",
    "peoples government": "gov",
    "government": "gov",
    "administrative committee": "gov",
    "management committee": "gov",
    "general office": "office",
    "office": "office",
}
