"""Calibrate the citation checker (rag/cite.py) with the real embedding model.

Hand-made cases from the five articles in corpus/: correct Korean and English
paraphrases of article sentences, the same claims with a wrong number, and
fabricated claims on the same topics. Each case gets five passages, as
retrieval would hand them over: the passage(s) holding the evidence, the
nearest other passages of the same article (hard wrong citations) and
passages of other articles.

Prints, per embedding prompt set and language pair, how well the support
score separates the right passage from wrong ones (AUC), the threshold that
would be best on these cases, and the accuracy of ``verify`` with the
thresholds rag/cite.py ships, per scenario.

    python bench/citations.py [--prompts query-doc,doc-doc,sts] [--cache /tmp/cite-bench.npz]

Embedding ~400 sentences per prompt set takes a few minutes on 2 CPU cores;
vectors are cached in ``--cache``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag import cite
from rag.config import load_config
from rag.embed import Embedder
from rag.pipeline import _chunk_all, load_documents
from rag.records import Chunk


@dataclass(frozen=True)
class Fact:
    """A claim an article makes, paraphrased; ``*_wrong`` change one number."""

    doc: str
    key: str
    ko: str
    en: str
    ko_wrong: str = ""
    en_wrong: str = ""


@dataclass(frozen=True)
class Fabricated:
    """A claim on an article's topic that no article makes.

    A contradiction names the ``key`` of the sentence it contradicts and cites
    that sentence's passage.
    """

    doc: str
    ko: str
    en: str
    key: str = ""


FACTS = [
    # 000 Beijing "AI native" city
    Fact(
        "000",
        "2025년 말까지 세계 선도 수준의 본보기",
        "베이징시는 2025년 말까지 세계 선도 수준의 표준 응용 프로젝트 5개와 중국 선도 수준의 "
        "시범 프로젝트 10개를 수행할 계획이다.",
        "Beijing plans to carry out five world-leading benchmark application projects and ten "
        "China-leading pilot projects by the end of 2025.",
        "베이징시는 2025년 말까지 세계 선도 수준의 표준 응용 프로젝트 7개와 중국 선도 수준의 "
        "시범 프로젝트 10개를 수행할 계획이다.",
        "Beijing plans to carry out seven world-leading benchmark application projects and ten "
        "China-leading pilot projects by the end of 2025.",
    ),
    Fact(
        "000",
        "기초 대형 AI 제품 3∼5개",
        "베이징시는 기초 대형 AI 제품 3~5개와 우수 대형 제품 100개, 업계 성공 사례 1000개를 "
        "만든다는 목표를 세웠다.",
        "The goal is to build three to five foundational large AI products, 100 excellent large "
        "products and 1,000 industry success cases.",
        "베이징시는 기초 대형 AI 제품 3~5개와 우수 대형 제품 200개, 업계 성공 사례 1000개를 "
        "만든다는 목표를 세웠다.",
        "The goal is to build three to five foundational large AI products, 200 excellent large "
        "products and 1,000 industry success cases.",
    ),
    Fact(
        "000",
        "다섯 가지 분야에서 AI를 응용한",
        "우선 로봇, 교육, 의료, 문화, 교통 다섯 분야에서 AI 시범 성공 사례를 만든 뒤 다른 "
        "업종으로 보급한다.",
        "It will first create AI pilot success cases in five areas, robotics, education, "
        "healthcare, culture and transport, and then spread them to other industries.",
        "우선 로봇, 교육, 의료, 문화, 교통 등 여섯 가지 분야에서 AI 시범 성공 사례를 만든 뒤 "
        "다른 업종으로 보급한다.",
        "It will first create AI pilot success cases in six areas, including robotics, "
        "education, healthcare, culture and transport.",
    ),
    Fact(
        "000",
        "의사와 AI 협업 메커니즘",
        "AI+의료 분야에서는 의사와 AI가 협업해 온라인 문진, 처방전 생성, 복약 상담 같은 의료 "
        "보조 서비스를 구축한다.",
        "Under AI+ healthcare, doctors and AI will work together on medical support services "
        "such as online consultations, prescriptions and medication advice.",
    ),
    Fact(
        "000",
        "'AI+교육'에선",
        "AI+교육에서는 교육 사례와 강의 자료를 모아 대형 교육 플랫폼을 만든다.",
        "In education, Beijing will gather teaching cases and lecture materials into a large "
        "education platform.",
    ),
    Fact(
        "000",
        "10개 분야로 확장해 대형 AI 모델을",
        "두 번째 단계에서는 5대 시범 영역의 성공 사례를 금융, 전력, 사법 서비스 등 10개 "
        "분야로 확장해 대형 AI 모델을 구축한다.",
        "In the second phase, success cases from the five pilot areas will be extended to ten "
        "sectors such as finance, power and judicial services to build large AI models.",
        "두 번째 단계에서는 5대 시범 영역의 성공 사례를 금융, 전력, 사법 서비스 등 12개 "
        "분야로 확장해 대형 AI 모델을 구축한다.",
        "In the second phase, success cases from the five pilot areas will be extended to twelve "
        "sectors such as finance, power and judicial services.",
    ),
    Fact(
        "000",
        "마지막 세번째 단계는 상업화",
        "마지막 세 번째 단계는 상업화 단계로, 분야별 난제와 사회적 관심사에 AI 기술을 적용한다.",
        "The third and final phase is commercialization, applying AI technology to problems in "
        "each field and to social concerns.",
        "마지막 네 번째 단계는 상업화 단계로, 분야별 난제와 사회적 관심사에 AI 기술을 적용한다.",
        "The fourth and final phase is commercialization, applying AI technology to problems in "
        "each field and to social concerns.",
    ),
    Fact(
        "000",
        "2500억위안",
        "작년 베이징시의 AI 핵심 산업 총생산액은 2500억위안(약 47조원)을 넘었다.",
        "Beijing's core AI industry output exceeded 250 billion yuan (about 47 trillion won) "
        "last year.",
        "작년 베이징시의 AI 핵심 산업 총생산액은 3500억위안을 넘었다.",
        "Beijing's core AI industry output exceeded 350 billion yuan last year.",
    ),
    Fact(
        "000",
        "대형 AI 모델(183개) 가운데 82개",
        "중국 전체 대형 AI 모델 183개 가운데 82개가 베이징에서 출시됐다.",
        "Of China's 183 large AI models, 82 were launched in Beijing.",
        "중국 전체 대형 AI 모델 183개 가운데 92개가 베이징에서 출시됐다.",
        "Of China's 183 large AI models, 92 were launched in Beijing.",
    ),
    Fact(
        "000",
        "리창 중국 총리는 정기국회격인",
        "리창 총리는 올해 3월 전인대에서 AI+와 신품질 생산력을 최우선 과제로 내세웠다.",
        "Premier Li Qiang made AI+ and new quality productive forces top priorities at the "
        "National People's Congress in March.",
        "리창 총리는 올해 5월 전인대에서 AI+와 신품질 생산력을 최우선 과제로 내세웠다.",
        "Premier Li Qiang made AI+ and new quality productive forces top priorities at the "
        "National People's Congress in May.",
    ),
    Fact(
        "000",
        "'체화된 지능' 응용 시험장",
        "AI+로봇 분야에서는 체화된 지능 응용 시험장을 만들어 물류, 제조, 의료 환경에서 로봇 "
        "성능을 검증한다.",
        "For robotics, Beijing will build embodied intelligence test sites to verify robot "
        "performance in logistics, manufacturing and healthcare settings.",
    ),
    Fact(
        "000",
        "자율주행 훈련을 지원",
        "도로, 차량, 유동인구, 날씨 데이터를 생성해 자율주행 훈련을 지원하는 AI+교통도 시행된다.",
        "AI+ transport will generate road, vehicle, pedestrian and weather data to support "
        "autonomous driving training.",
    ),
    # 001 Korea hyperscale AI leap
    Fact(
        "001",
        "2024년 9090억원 규모",
        "정부는 2024년 9090억원 규모의 예산을 투입해 전국민 인공지능 일상화를 추진한다.",
        "The government will spend 909 billion won in 2024 to bring AI into the daily lives of "
        "all citizens.",
        "정부는 2024년 9000억원 규모의 예산을 투입해 전국민 인공지능 일상화를 추진한다.",
        "The government will spend 900 billion won in 2024 to bring AI into the daily lives of "
        "all citizens.",
    ),
    Fact(
        "001",
        "70여명이 참여",
        "이 행사에는 정부 관계자와 AI 기업, 스타트업, 연구자 등 70여명이 참석했다.",
        "About 70 people, including officials, AI companies, startups and researchers, attended "
        "the event.",
        "이 행사에는 정부 관계자와 AI 기업, 스타트업, 연구자 등 100여명이 참석했다.",
        "About 100 people, including officials, AI companies, startups and researchers, "
        "attended the event.",
    ),
    Fact(
        "001",
        "청와대 영빈관",
        "과기정통부는 13일 청와대 영빈관에서 대한민국 초거대 인공지능 도약 행사를 열었다.",
        "The science ministry held the Korea hyperscale AI leap event at the Blue House guest "
        "house on the 13th.",
        "과기정통부는 15일 청와대 영빈관에서 대한민국 초거대 인공지능 도약 행사를 열었다.",
        "The science ministry held the Korea hyperscale AI leap event at the Blue House guest "
        "house on the 15th.",
    ),
    Fact(
        "001",
        "선도대학과 글로벌 공동연구",
        "내년부터 미국, 캐나다, EU 등의 선도 대학과 글로벌 공동연구를 추진하고 석박사급 인력을 "
        "파견한다.",
        "From next year, Korea will run joint research with leading universities in the US, "
        "Canada and the EU and send master's and doctoral researchers.",
    ),
    Fact(
        "001",
        "총 14회 간담회",
        "디지털 권리장전은 총 14회의 간담회를 거쳐 사회적 의견을 수렴했다.",
        "The Digital Bill of Rights collected public opinion through a total of 14 meetings.",
        "디지털 권리장전은 총 20회의 간담회를 거쳐 사회적 의견을 수렴했다.",
        "The Digital Bill of Rights collected public opinion through a total of 20 meetings.",
    ),
    Fact(
        "001",
        "UN과 경제협력개발기구(OECD)",
        "정부는 디지털 권리장전을 UN과 OECD 등을 통해 국제사회와 공유할 방침이다.",
        "The government plans to share the Digital Bill of Rights with the world through the UN "
        "and the OECD.",
    ),
    Fact(
        "001",
        "신뢰성 검인증 체계",
        "AI 서비스의 위험요인과 성능을 공신력 있는 제3의 기관이 평가하는 신뢰성 검인증 체계를 "
        "마련한다.",
        "A certification system will be set up in which a trusted third party evaluates the "
        "risks and performance of AI services.",
    ),
    Fact(
        "001",
        "리벨리온 8개사는",
        "네이버, 카카오, KT, SK텔레콤 등 8개사는 초거대 인공지능 출정을 선언했다.",
        "Eight companies including Naver, Kakao, KT and SK Telecom declared the launch of "
        "hyperscale AI for the global market.",
        "네이버, 카카오, KT, SK텔레콤 등 10개사는 초거대 인공지능 출정을 선언했다.",
        "Ten companies including Naver, Kakao, KT and SK Telecom declared the launch of "
        "hyperscale AI for the global market.",
    ),
    Fact(
        "001",
        "그럴듯한 거짓답변",
        "환각과 편향성 등 초거대 AI의 한계를 극복하기 위한 기술개발도 내년부터 새로 추진한다.",
        "Work on technology to overcome the limits of hyperscale AI, such as hallucination and "
        "bias, will start next year.",
    ),
    Fact(
        "001",
        "주요국에 비해 뒤처지지 않으며",
        "영리더들은 국내 기업의 AI 역량이 주요국에 뒤처지지 않는다고 진단했다.",
        "The young leaders said Korean companies' AI capabilities do not lag behind those of "
        "major countries.",
    ),
    # 002 public-sector AI
    Fact(
        "002",
        "110억원을 투입",
        "디지털플랫폼정부위원회는 올해도 110억원을 투입해 과제별 지원을 확대하고 있다.",
        "The Digital Platform Government Committee is spending 11 billion won this year to "
        "expand support for each project.",
        "디지털플랫폼정부위원회는 올해도 210억원을 투입해 과제별 지원을 확대하고 있다.",
        "The Digital Platform Government Committee is spending 21 billion won this year to "
        "expand support for each project.",
    ),
    Fact(
        "002",
        "383억원",
        "정부는 올해 법률, 의료, 심리상담 등 5대 분야에 383억원을 투입해 초거대 AI 플래그십 "
        "사업을 추진한다.",
        "This year the government will invest 38.3 billion won in five areas such as law, "
        "medicine and counseling for hyperscale AI flagship projects.",
        "정부는 올해 법률, 의료, 심리상담 등 5대 분야에 483억원을 투입해 초거대 AI 플래그십 "
        "사업을 추진한다.",
        "This year the government will invest 48.3 billion won in five areas such as law, "
        "medicine and counseling for hyperscale AI flagship projects.",
    ),
    Fact(
        "002",
        "바우처 사업에 1000억원",
        "AI·데이터·클라우드 바우처 사업에 1000억원을 투입해 중소기업과 스타트업을 지원한다.",
        "100 billion won will go into AI, data and cloud vouchers to support small businesses "
        "and startups.",
        "AI·데이터·클라우드 바우처 사업에 1500억원을 투입해 중소기업과 스타트업을 지원한다.",
        "150 billion won will go into AI, data and cloud vouchers to support small businesses "
        "and startups.",
    ),
    Fact(
        "002",
        "주요 사례 70건",
        "지난해 분야별 AI 활용 주요 사례 70건을 만들었다.",
        "Last year, 70 major AI use cases were created across fields.",
        "지난해 분야별 AI 활용 주요 사례 50건을 만들었다.",
        "Last year, 50 major AI use cases were created across fields.",
    ),
    Fact(
        "002",
        "1000여명이 참석",
        "이날 행사에는 공공부문 정보화 담당자와 기업 관계자 1000여명이 참석했다.",
        "More than 1,000 public-sector IT officials and company representatives attended the "
        "event.",
        "이날 행사에는 공공부문 정보화 담당자와 기업 관계자 2000여명이 참석했다.",
        "More than 2,000 public-sector IT officials and company representatives attended the "
        "event.",
    ),
    Fact(
        "002",
        "'AI 안전연구소' 설립",
        "정부는 연내 AI 안전연구소를 설립해 아태지역 AI 안전 거점 역할을 맡길 계획이다.",
        "The government plans to set up an AI Safety Institute this year to act as an AI safety "
        "hub for the Asia-Pacific.",
    ),
    Fact(
        "002",
        "서울교통공사는",
        "서울교통공사는 AI가 도시철도 안전 법령과 사고기록을 학습해 현장근로자의 안전 관련 "
        "결정을 돕도록 했다.",
        "Seoul Metro uses AI trained on railway safety laws and accident records to support "
        "field workers' safety decisions.",
    ),
    Fact(
        "002",
        "제23회 공공솔루션마켓",
        "전자신문과 한국IT서비스산업협회는 24일 코엑스에서 제23회 공공솔루션마켓을 개최했다.",
        "Electronic Times and the Korea IT Service Industry Association held the 23rd Public "
        "Solution Market at COEX on the 24th.",
        "전자신문과 한국IT서비스산업협회는 24일 코엑스에서 제25회 공공솔루션마켓을 개최했다.",
        "Electronic Times and the Korea IT Service Industry Association held the 25th Public "
        "Solution Market at COEX on the 24th.",
    ),
    Fact(
        "002",
        "공공분야 보도자료 등을 우선적으로",
        "올해는 정부전용 초거대 AI 도입 원년으로, 공공분야 보도자료를 먼저 학습시킬 계획이다.",
        "This year is the first year of a government-only hyperscale AI, which will first be "
        "trained on public-sector press releases.",
    ),
    # 003 hyperscale AI public services
    Fact(
        "003",
        "4억원 규모의 예산을 올해 77억원",
        "초거대 AI 서비스 개발지원 사업 예산은 지난해 4억원에서 올해 77억원으로 늘었다.",
        "The budget of the hyperscale AI service development program grew from 400 million won "
        "last year to 7.7 billion won this year.",
        "초거대 AI 서비스 개발지원 사업 예산은 지난해 4억원에서 올해 70억원으로 늘었다.",
        "The budget of the hyperscale AI service development program grew from 400 million won "
        "last year to 7 billion won this year.",
    ),
    Fact(
        "003",
        "현안 해결 3개 분야로",
        "사업은 공공 범용, 공공 특화, 현안 해결의 3개 분야로 나눠 추진된다.",
        "The program is split into three areas: general public services, specialized public "
        "services and pressing issues.",
        "사업은 공공 범용, 공공 특화, 현안 해결 등 4개 분야로 나눠 추진된다.",
        "The program is split into four areas, including general public services, specialized "
        "public services and pressing issues.",
    ),
    Fact(
        "003",
        "공공 특화 분야는 AI 근로감독관",
        "공공 특화 분야에는 AI 근로감독관 지원 서비스와 특허심사 지원 서비스 등이 포함된다.",
        "The specialized public category includes an AI labor inspector support service and a "
        "patent examination support service.",
    ),
    Fact(
        "003",
        "8개 과제별 구체적",
        "통합 협약식에서 8개 과제별 사업 목표와 수행 방안을 점검했다.",
        "At the joint signing ceremony, the goals and plans of each of the eight projects were "
        "reviewed.",
        "통합 협약식에서 9개 과제별 사업 목표와 수행 방안을 점검했다.",
        "At the joint signing ceremony, the goals and plans of each of the nine projects were "
        "reviewed.",
    ),
    Fact(
        "003",
        "세계 최초로 정부 전용",
        "고진 위원장은 세계 최초로 정부 전용 초거대 AI 모델을 구현해 수출해야 한다고 말했다.",
        "Chairman Ko Jin said Korea should build the world's first government-only hyperscale "
        "AI model and export it.",
    ),
    Fact(
        "003",
        "AI G3 수준으로 도약",
        "이종호 장관은 이번 사업이 한국이 AI G3 수준으로 도약하는 계기가 되길 바란다고 말했다.",
        "Minister Lee Jong-ho hoped the program would help Korea leap to the level of the AI G3.",
    ),
    Fact(
        "003",
        "한국지능정보사회진흥원(NIA)과 함께",
        "디플정위원회와 과기정통부는 NIA와 함께 2024년 초거대 AI 공공 서비스 개발 사업을 "
        "추진한다고 15일 발표했다.",
        "The committee and the science ministry announced with NIA on the 15th that they would "
        "run the 2024 hyperscale AI public service development program.",
        "디플정위원회와 과기정통부는 NIA와 함께 2023년 초거대 AI 공공 서비스 개발 사업을 "
        "추진한다고 15일 발표했다.",
        "The committee and the science ministry announced with NIA on the 15th that they would "
        "run the 2023 hyperscale AI public service development program.",
    ),
    # 004 AI Action Summit
    Fact(
        "004",
        "2월 10~11일 양일간",
        "유상임 장관은 2월 10~11일 파리에서 열린 AI 행동 정상회의에 수석대표로 참석했다.",
        "Minister Yoo Sang-im led the delegation to the AI Action Summit held in Paris on "
        "February 10-11.",
        "유상임 장관은 2월 12~13일 파리에서 열린 AI 행동 정상회의에 수석대표로 참석했다.",
        "Minister Yoo Sang-im led the delegation to the AI Action Summit held in Paris on "
        "February 12-13.",
    ),
    Fact(
        "004",
        "87개 국가에서 참여",
        "이번 정상회의는 세 번째로 열린 정상회의로, 87개 국가에서 1,000여명이 참석했다.",
        "It was the third such summit, with about 1,000 participants from 87 countries.",
        "이번 정상회의는 세 번째로 열린 정상회의로, 97개 국가에서 1,000여명이 참석했다.",
        "It was the third such summit, with about 1,000 participants from 97 countries.",
    ),
    Fact(
        "004",
        "주요 결과물로 60개 국가가",
        "60개 국가가 참여한 포용적이고 지속가능한 인공지능 선언문이 발표됐다.",
        "A declaration on inclusive and sustainable AI, joined by 60 countries, was announced.",
        "50개 국가가 참여한 포용적이고 지속가능한 인공지능 선언문이 발표됐다.",
        "A declaration on inclusive and sustainable AI, joined by 50 countries, was announced.",
    ),
    Fact(
        "004",
        "세계에서 두 번째로 제정한",
        "유 장관은 세계에서 두 번째로 제정한 AI기본법 등 한국의 주요 정책을 소개했다.",
        "Minister Yoo presented Korea's key policies, including the AI Basic Act, the second "
        "such law in the world.",
        "유 장관은 세계에서 세 번째로 제정한 AI기본법 등 한국의 주요 정책을 소개했다.",
        "Minister Yoo presented Korea's key policies, including the AI Basic Act, the third "
        "such law in the world.",
    ),
    Fact(
        "004",
        "인도 총리는 차기",
        "인도 총리는 다음 AI 정상회의를 개최하겠다는 뜻을 밝혔다.",
        "India's prime minister said India would like to host the next AI summit.",
    ),
    Fact(
        "004",
        "린 파커(Lynne Parker)",
        "유 장관은 백악관 과학기술정책실의 린 파커 수석부실장을 만나 한미 과학기술 협력을 "
        "논의했다.",
        "Yoo met Lynne Parker of the White House OSTP to discuss Korea-US science and technology "
        "cooperation.",
    ),
    Fact(
        "004",
        "인공지능 에너지 관측소",
        "구체적 행동으로 인공지능 에너지 관측소 설립과 일자리 영향 관측 네트워크 등이 제시됐다.",
        "The concrete actions included an AI energy observatory and a network to watch AI's "
        "impact on jobs.",
    ),
    Fact(
        "004",
        "2023년 11월 영국에서",
        "앞서 2023년 11월 영국에서 AI 안전성 정상회의가, 2024년 5월 한국에서 AI 서울 "
        "정상회의가 열렸다.",
        "Earlier summits were held in the UK in November 2023 and in Seoul in May 2024.",
        "앞서 2023년 10월 영국에서 AI 안전성 정상회의가, 2024년 5월 한국에서 AI 서울 "
        "정상회의가 열렸다.",
        "Earlier summits were held in the UK in October 2023 and in Seoul in May 2024.",
    ),
    # looser summaries and multi-fact sentences
    Fact(
        "000",
        "'AI 네이티브' 도시구축을 위한 청사진",
        "베이징시가 AI 네이티브 도시를 만들기 위한 청사진을 공개했다.",
        "Beijing unveiled a blueprint to become an AI-native city.",
    ),
    Fact(
        "000",
        "세계적으로 AI 혁신을 이끌어가는 거점",
        "베이징을 세계 AI 혁신의 중심지로 바꾸겠다는 것이 목표다.",
        "The aim is to turn Beijing into a global hub of AI innovation.",
    ),
    Fact(
        "001",
        "기본방향으로서 디지털 권리장전을 수립한다",
        "정부는 뉴욕구상과 파리 이니셔티브에서 밝힌 디지털 질서의 기본방향으로 디지털 "
        "권리장전을 만든다.",
        "Korea will draw up a Digital Bill of Rights as the basis of the digital order it "
        "announced in the New York Initiative and the Paris Initiative.",
    ),
    Fact(
        "001",
        "▲인공지능 국제협력 확대",
        "이종호 장관은 국제협력 확대, 전국민 AI 일상화, 디지털 권리장전, AI 윤리와 신뢰성 "
        "확보를 담은 도약방안을 발표했다.",
        "Minister Lee announced a plan covering international cooperation, everyday AI for all, "
        "a digital bill of rights, and AI ethics and trust.",
    ),
    Fact(
        "002",
        "'원-윈도' 플랫폼",
        "데이터 유통과 거래를 지원하는 원-윈도 플랫폼 구축 사업에 착수한다.",
        "A one-window platform for data distribution and trading will be built.",
    ),
    Fact(
        "002",
        "'글로벌 DPG 얼라이언스'",
        "정부는 글로벌 DPG 얼라이언스를 통해 디지털정부플랫폼의 해외 진출을 지원할 계획이다.",
        "The government will help digital government platforms expand abroad through a Global "
        "DPG Alliance.",
    ),
    Fact(
        "003",
        "장애인 소통지원",
        "현안 해결 분야에서는 장애인 소통을 돕는 멀티모달 서비스와 느린 학습자 조기발견 "
        "서비스를 추진한다.",
        "For pressing issues, it will develop a multimodal service to help people with "
        "disabilities communicate and a service to spot slow learners early.",
    ),
    Fact(
        "004",
        "그랑팔레의 4개 공간",
        "첫날에는 그랑팔레의 4개 공간에서 패널 토론과 기조발표가 열렸다.",
        "On the first day, panel discussions and keynotes were held in four spaces at the "
        "Grand Palais.",
        "첫날에는 그랑팔레의 5개 공간에서 패널 토론과 기조발표가 열렸다.",
        "On the first day, panel discussions and keynotes were held in five spaces at the "
        "Grand Palais.",
    ),
    Fact(
        "004",
        "리사 수 AMD",
        "유 장관은 리사 수 AMD CEO 등과 경쟁력 있고 지속가능한 AI 방안을 논의했다.",
        "Yoo discussed competitive and sustainable AI with AMD CEO Lisa Su and others.",
    ),
]

FABRICATED = [
    Fabricated(
        "000",
        "베이징시는 2026년까지 자율주행 택시를 전면 상용화할 계획이다.",
        "Beijing plans to fully commercialize robotaxis by 2026.",
    ),
    Fabricated(
        "000",
        "베이징시는 AI 기업에 법인세를 면제해 주기로 했다.",
        "Beijing decided to exempt AI companies from corporate tax.",
    ),
    Fabricated(
        "000",
        "중관춘은 올해 AI 스타트업 500곳을 새로 유치했다.",
        "Zhongguancun attracted 500 new AI startups this year.",
    ),
    Fabricated(
        "000",
        "베이징시는 AI 교사를 도입해 모든 초등학교 수업을 대체하기로 했다.",
        "Beijing will replace all primary school lessons with AI teachers.",
    ),
    Fabricated(
        "001",
        "이종호 장관은 AI 규제를 전면 폐지하겠다고 밝혔다.",
        "Minister Lee said he would abolish all AI regulations.",
    ),
    Fabricated(
        "001",
        "정부는 국산 AI 반도체를 모든 학교에 보급하기로 했다.",
        "The government will supply domestic AI chips to every school.",
    ),
    Fabricated(
        "001",
        "디지털 권리장전은 국회에서 법률로 통과됐다.",
        "The Digital Bill of Rights was passed into law by the National Assembly.",
    ),
    Fabricated(
        "002",
        "정부는 공무원 업무의 절반을 AI로 대체할 방침이다.",
        "The government intends to replace half of civil servants' work with AI.",
    ),
    Fabricated(
        "002",
        "서울시는 지하철 요금을 AI로 자동 책정하는 시스템을 도입했다.",
        "Seoul introduced a system that sets subway fares automatically with AI.",
    ),
    Fabricated(
        "002",
        "장은영 과장은 정부 문서를 민간 클라우드에 공개하겠다고 말했다.",
        "Jang Eun-young said government documents would be released on private clouds.",
    ),
    Fabricated(
        "003",
        "AI 근로감독관은 내년부터 모든 사업장을 단독으로 감독한다.",
        "From next year, AI labor inspectors will supervise all workplaces on their own.",
    ),
    Fabricated(
        "003",
        "특허청은 사람 심사관 채용을 중단하기로 결정했다.",
        "The patent office decided to stop hiring human examiners.",
    ),
    Fabricated(
        "003",
        "고용노동부는 AI 근로감독관 도입으로 감독관 인력을 줄이기로 했다.",
        "The labor ministry will cut its inspectors once AI inspectors arrive.",
    ),
    Fabricated(
        "004",
        "정상회의에서 미국과 중국은 AI 군비 통제 조약에 서명했다.",
        "At the summit, the US and China signed an AI arms control treaty.",
    ),
    Fabricated(
        "004",
        "마크롱 대통령은 유럽 AI 규제법의 시행을 연기한다고 발표했다.",
        "President Macron announced a delay to the EU AI Act.",
    ),
    Fabricated(
        "004",
        "유상임 장관은 싱가포르와 AI 반도체 공동 생산 협정을 체결했다.",
        "Minister Yoo signed an AI chip co-production agreement with Singapore.",
    ),
]

# Same words as the article, opposite meaning: embeddings and word overlap both
# miss these (reported, not used to set thresholds).
CONTRADICTIONS = [
    Fabricated(
        "001",
        "정부는 2024년 전국민 인공지능 일상화 예산을 전액 삭감했다.",
        "The government cut the whole 2024 budget for bringing AI into everyday life.",
        "2024년 9090억원 규모",
    ),
    Fabricated(
        "004",
        "인도 총리는 차기 AI 정상회의 개최를 거절했다.",
        "India's prime minister declined to host the next AI summit.",
        "인도 총리는 차기",
    ),
    Fabricated(
        "003",
        "고진 위원장은 정부 전용 초거대 AI 모델의 수출에 반대했다.",
        "Ko Jin opposed exporting the government-only hyperscale AI model.",
        "세계 최초로 정부 전용",
    ),
]


@dataclass(frozen=True)
class Multi:
    """One sentence stating two facts from two passages, citing both."""

    doc1: str
    key1: str
    doc2: str
    key2: str
    ko: str
    en: str


MULTI = [
    Multi(
        "001",
        "2024년 9090억원 규모",
        "002",
        "바우처 사업에 1000억원",
        "정부는 2024년 9090억원을 투입해 AI 일상화를 추진하고, AI·데이터·클라우드 바우처 "
        "사업에는 1000억원을 투입한다.",
        "The government will spend 909 billion won in 2024 on everyday AI and 100 billion won "
        "on AI, data and cloud vouchers.",
    ),
    Multi(
        "003",
        "4억원 규모의 예산을 올해 77억원",
        "002",
        "383억원",
        "초거대 AI 서비스 개발지원 예산은 올해 77억원으로 늘었고, 초거대 AI 플래그십 사업에는 "
        "383억원이 투입된다.",
        "The hyperscale AI service budget rose to 7.7 billion won this year, and 38.3 billion "
        "won goes to hyperscale AI flagship projects.",
    ),
    Multi(
        "000",
        "2025년 말까지 세계 선도 수준의 본보기",
        "000",
        "10개 분야로 확장해 대형 AI 모델을",
        "베이징시는 2025년 말까지 세계 선도 수준 프로젝트 5개를 수행하고, 두 번째 단계에서 "
        "성공 사례를 10개 분야로 확장한다.",
        "Beijing will carry out five world-leading projects by the end of 2025 and extend its "
        "success cases to ten sectors in the second phase.",
    ),
    Multi(
        "004",
        "87개 국가에서 참여",
        "004",
        "주요 결과물로 60개 국가가",
        "87개 국가가 참여한 이번 정상회의에서 60개 국가가 공동 선언문을 발표했다.",
        "At the summit, attended by 87 countries, 60 countries issued a joint declaration.",
    ),
    Multi(
        "001",
        "UN과 경제협력개발기구(OECD)",
        "004",
        "세계에서 두 번째로 제정한",
        "한국은 디지털 권리장전을 OECD 등과 공유하고, 세계에서 두 번째로 AI기본법을 제정했다.",
        "Korea will share its Digital Bill of Rights through the OECD and was the second "
        "country to pass an AI Basic Act.",
    ),
    Multi(
        "002",
        "'AI 안전연구소' 설립",
        "004",
        "린 파커(Lynne Parker)",
        "정부는 연내 AI 안전연구소를 설립하고, 유 장관은 린 파커 백악관 수석부실장과 "
        "과학기술 협력을 논의했다.",
        "The government will set up an AI Safety Institute this year, and Minister Yoo "
        "discussed cooperation with the White House's Lynne Parker.",
    ),
]

PROMPTS = {
    # answer-sentence prompt, passage-sentence prompt ("" = the model's own)
    "query-doc": ("", ""),
    "doc-doc": ("title: none | text: ", ""),
    "sts": ("task: sentence similarity | query: ", "task: sentence similarity | query: "),
}


@dataclass(frozen=True)
class Case:
    """One sentence with five passages; ``gold`` are the passages holding its evidence."""

    kind: str  # correct | wrong_number | fabricated | contradiction | multi
    lang: str
    sentence: str
    passages: tuple[Chunk, ...]
    gold: tuple[int, ...]  # 0-based
    cite: int  # 0-based passage the model cites (gold for correct/wrong_number)
    wrong: tuple[int, ...]  # 0-based non-gold passages, same article first
    also: int = -1  # second cited passage (multi)


def _passages(
    chunks: Sequence[Chunk], doc: str, key: str | None, rng: random.Random
) -> tuple[tuple[Chunk, ...], tuple[int, ...], tuple[int, ...]]:
    """Five passages: key holders, nearest same-article others, other articles."""
    own = [c for c in chunks if c.doc_id.startswith(doc)]
    gold = [c for c in own if key and key in c.text] or ([] if key else [rng.choice(own)])
    if key and not gold:
        raise SystemExit(f"key not found in {doc}: {key!r}")
    centre = gold[0].ordinal
    near = sorted((c for c in own if c not in gold), key=lambda c: abs(c.ordinal - centre))
    near = [c for c in near if not (key and key in c.text)][: 4 - len(gold) if key else 2]
    others = [c for c in chunks if not c.doc_id.startswith(doc)]
    picked = gold + near + rng.sample(others, 5 - len(gold) - len(near))
    order = list(range(5))
    rng.shuffle(order)
    passages = tuple(picked[i] for i in order)
    gold_idx = tuple(i for i, c in enumerate(passages) if c in gold) if key else ()
    same = [i for i, c in enumerate(passages) if c in near]
    other = [i for i, c in enumerate(passages) if c not in gold and c not in near]
    return passages, gold_idx, tuple(same + other)


def build_cases(chunks: Sequence[Chunk]) -> list[Case]:
    rng = random.Random(7)
    cases: list[Case] = []
    for fact in FACTS:
        passages, gold, wrong = _passages(chunks, fact.doc, fact.key, rng)
        for lang, text, bad in (("ko", fact.ko, fact.ko_wrong), ("en", fact.en, fact.en_wrong)):
            cases.append(Case("correct", lang, text, passages, gold, gold[0], wrong))
            if bad:
                cases.append(Case("wrong_number", lang, bad, passages, gold, gold[0], wrong))
    for kind, claims in (("fabricated", FABRICATED), ("contradiction", CONTRADICTIONS)):
        for fab in claims:
            passages, near, wrong = _passages(chunks, fab.doc, fab.key or None, rng)
            cited = near[0] if fab.key else wrong[0]
            for lang, text in (("ko", fab.ko), ("en", fab.en)):
                cases.append(Case(kind, lang, text, passages, (), cited, wrong))
    for multi in MULTI:
        gold1 = next(c for c in chunks if c.doc_id.startswith(multi.doc1) and multi.key1 in c.text)
        gold2 = next(c for c in chunks if c.doc_id.startswith(multi.doc2) and multi.key2 in c.text)
        pool = [c for c in chunks if multi.key1 not in c.text and multi.key2 not in c.text]
        passages = tuple(rng.sample([gold1, gold2, *rng.sample(pool, 3)], 5))
        gold = (passages.index(gold1), passages.index(gold2))
        wrong = tuple(i for i in range(5) if i not in gold)
        for lang, text in (("ko", multi.ko), ("en", multi.en)):
            cases.append(Case("multi", lang, text, passages, gold, gold[0], wrong, gold[1]))
    return cases


class CachedSimilarity:
    """Similarity over an Embedder, vectors cached in memory and in an .npz file."""

    def __init__(self, embedder: Embedder, mode: str, path: Path) -> None:
        self.embedder, self.mode, self.path = embedder, mode, path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.vectors = {k: data[k] for k in data.files}

    def _key(self, side: str, text: str) -> str:
        return hashlib.sha1(f"{self.mode}|{side}|{text}".encode()).hexdigest()

    def _encode(self, side: str, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if self._key(side, t) not in self.vectors))
        if missing:
            answer_prompt, passage_prompt = PROMPTS[self.mode]
            if side == "a" and self.mode == "query-doc":
                vectors = self.embedder.encode_queries(missing)
            else:
                prompt = answer_prompt if side == "a" else passage_prompt
                saved = self.embedder.document_prompt
                self.embedder.document_prompt = prompt or saved
                try:
                    vectors = self.embedder.encode_documents(missing)
                finally:
                    self.embedder.document_prompt = saved
            for text, vector in zip(missing, vectors, strict=True):
                self.vectors[self._key(side, text)] = vector
            np.savez(self.path, **self.vectors)
        return np.stack([self.vectors[self._key(side, t)] for t in texts])

    def __call__(self, answers: list[str], sentences: list[str]) -> np.ndarray:
        return self._encode("a", answers) @ self._encode("p", sentences).T


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def best_threshold(pos: Sequence[float], neg: Sequence[float]) -> tuple[float, float]:
    """Threshold with the best balanced accuracy, and that accuracy."""
    best = (0.0, 0.0)
    for t in sorted(set(pos) | set(neg)):
        acc = (sum(p >= t for p in pos) / len(pos) + sum(n < t for n in neg) / len(neg)) / 2
        if acc > best[1]:
            best = (t, acc)
    return best


def separation(cases: Sequence[Case], similarity: cite.Similarity) -> None:
    """Print AUC and best threshold of each score part, per language pair."""
    print(
        f"{'pair':5} {'feature':9} {'AUC':>6} {'best t':>7} {'bal.acc':>7}  "
        f"{'pos median':>10} {'neg median':>10}"
    )
    for lang in ("ko", "en"):
        pos: dict[str, list[float]] = {"emb": [], "lex": [], "score": []}
        neg: dict[str, list[float]] = {"emb": [], "lex": [], "score": []}
        for case in cases:
            if case.lang != lang or case.kind in ("wrong_number", "contradiction", "multi"):
                continue
            row = cite.score_support([case.sentence], case.passages, similarity)[0]
            for p, support in enumerate(row):
                bucket = pos if p in case.gold else neg
                bucket["emb"].append(support.embedding or 0.0)
                bucket["lex"].append(support.lexical)
                bucket["score"].append(support.score)
        for feature in ("emb", "lex", "score"):
            t, acc = best_threshold(pos[feature], neg[feature])
            print(
                f"{lang}-ko {feature:9} {auc(pos[feature], neg[feature]):6.3f} {t:7.3f} "
                f"{acc:7.3f}  {statistics.median(pos[feature]):10.3f} "
                f"{statistics.median(neg[feature]):10.3f}"
            )


def _marked(sentence: str, ids: Sequence[int]) -> str:
    return sentence + "".join(f"[{i + 1}]" for i in ids)


def _correct(case: Case, run: Callable[..., cite.Verified], record: Callable) -> None:
    """Scenarios of a correct claim: right, wrong, extra and missing citations."""
    gold_ids = {case.passages[g].chunk_id for g in case.gold}
    out = run([case.cite])
    cited = {c.chunk_id for c in out.citations}
    record("right citation kept", case.lang, bool(cited & gold_ids) and out.claims[0].supported)
    for label, wrong in (
        ("wrong cite (same doc) removed", case.wrong[0]),
        ("wrong cite (other doc) removed", case.wrong[-1]),
    ):
        out = run([wrong])
        cited = {c.chunk_id for c in out.citations}
        record(label, case.lang, case.passages[wrong].chunk_id not in cited)
        if label.startswith("wrong cite (same"):
            record("  ... and replaced by the right one", case.lang, bool(cited & gold_ids))
    out = run([case.cite, case.wrong[0]])
    cited = {c.chunk_id for c in out.citations}
    record(
        "right + wrong cited: only right kept",
        case.lang,
        cited == {case.passages[case.cite].chunk_id},
    )
    out = run([])
    cited = {c.chunk_id for c in out.citations}
    record("uncited gains right one", case.lang, bool(cited) and cited <= gold_ids)


def scenarios(cases: Sequence[Case], similarity: cite.Similarity | None) -> None:
    """Run verify() on one-sentence answers and print accuracy per scenario."""
    results: dict[tuple[str, str], list[bool]] = {}

    def record(name: str, lang: str, ok: bool) -> None:
        results.setdefault((name, lang), []).append(ok)

    for case in cases:

        def run(ids: Sequence[int], case: Case = case) -> cite.Verified:
            return cite.verify(_marked(case.sentence, ids), case.passages, similarity)

        if case.kind == "correct":
            _correct(case, run, record)
        elif case.kind == "multi":
            out = run([case.cite, case.also])
            cited = {c.chunk_id for c in out.citations}
            both = {case.passages[case.cite].chunk_id, case.passages[case.also].chunk_id}
            record("two facts, two citations: both kept", case.lang, cited == both)
        elif case.kind == "wrong_number":
            claim = run([case.cite]).claims[0]
            record("wrong number flagged", case.lang, not claim.supported)
            record("  ... as 'number not in sources'", case.lang, claim.reason.startswith("num"))
        else:
            claim = run([case.cite]).claims[0]
            record(f"{case.kind} cited: flagged", case.lang, not claim.supported)
            out = run([])
            record(f"{case.kind} uncited: no citation", case.lang, not out.citations)
    print(f"{'scenario':34} {'ko-ko':>11} {'en-ko':>11}")
    names = list(dict.fromkeys(name for name, _ in results))
    total = {"ko": [0, 0], "en": [0, 0]}
    for name in names:
        cells = []
        for lang in ("ko", "en"):
            oks = results.get((name, lang), [])
            if not name.startswith((" ", "contradiction")):
                total[lang][0] += sum(oks)
                total[lang][1] += len(oks)
            cells.append(f"{sum(oks):>3}/{len(oks):<3} {sum(oks) / max(1, len(oks)):4.0%}")
        print(f"{name:34} {cells[0]:>11} {cells[1]:>11}")
    print(
        f"{'all (without indented, contradiction)':34} "
        + " ".join(f"{t[0]:>3}/{t[1]:<3} {t[0] / max(1, t[1]):4.0%}" for t in total.values())
    )


def sweep(cases: Sequence[Case], similarity: cite.Similarity | None) -> None:
    """Accuracy of keep and add decisions around the shipped thresholds."""
    table = cite.THRESHOLDS if similarity is not None else cite.LEXICAL_THRESHOLDS
    rows = {id(c): cite.score_support([c.sentence], c.passages, similarity)[0] for c in cases}
    for lang, pair in (("ko", "same"), ("en", "cross")):
        shipped = table[pair]
        mine = [c for c in cases if c.lang == lang and c.kind in ("correct", "wrong_number")]
        fabricated = [c for c in cases if c.lang == lang and c.kind == "fabricated"]
        print(f"{lang}-ko keep (margin {shipped.margin}, certain {shipped.certain}):", end="")
        for delta in (-0.1, -0.05, 0.0, 0.05, 0.1):
            t = replace(shipped, keep=round(shipped.keep + delta, 3))
            right = sum(bool(cite.keep_cited(rows[id(c)], [c.cite], [t] * 5)) for c in mine)
            wrong = sum(
                bool(cite.keep_cited(rows[id(c)], [w], [t] * 5))
                for c in mine + fabricated
                for w in c.wrong
            )
            n_wrong = sum(len(c.wrong) for c in mine + fabricated)
            print(f"  {t.keep:.2f}: right {right}/{len(mine)} wrong {wrong}/{n_wrong}", end="")
        print()
        print(f"{lang}-ko add:", end="")
        for delta in (-0.1, -0.05, 0.0, 0.05, 0.1):
            t = replace(shipped, add=round(shipped.add + delta, 3))
            picks = [cite.sole_support(rows[id(c)], [t] * 5, c.passages) for c in mine]
            right = sum(p in c.gold for p, c in zip(picks, mine, strict=True))
            wrong = sum(p is not None and p not in c.gold for p, c in zip(picks, mine, strict=True))
            fab = sum(
                cite.sole_support(rows[id(c)], [t] * 5, c.passages) is not None for c in fabricated
            )
            print(f"  {t.add:.2f}: right {right} wrong {wrong} fabricated {fab}", end="")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", default="query-doc,doc-doc,sts")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cite-bench.npz"))
    parser.add_argument("--no-scenarios", action="store_true")
    args = parser.parse_args()
    config = load_config()
    embedder = Embedder(config.embed_model)
    docs, _ = load_documents(config)
    chunks = _chunk_all(docs, embedder, config)
    cases = build_cases(chunks)
    counts = {k: sum(c.kind == k for c in cases) for k in dict.fromkeys(c.kind for c in cases)}
    print(f"embedder: {config.embed_model}; {len(chunks)} passages; cases: {counts}")
    for pair, t in cite.THRESHOLDS.items():
        print(f"thresholds {pair}: {t}; lexical only: {cite.LEXICAL_THRESHOLDS[pair]}")
    for mode in args.prompts.split(","):
        similarity = CachedSimilarity(embedder, mode, args.cache)
        print(f"\n== prompts: {mode} (support score = cite.score_support) ==")
        separation(cases, similarity)
        if not args.no_scenarios and mode == "query-doc":
            print(f"\n-- thresholds around the shipped ones, prompts {mode} --")
            sweep(cases, similarity)
            print(f"\n-- verify() with shipped thresholds, prompts {mode} --")
            scenarios(cases, similarity)
    if not args.no_scenarios:
        print("\n-- lexical only (similarity=None) --")
        sweep(cases, None)
        scenarios(cases, None)


if __name__ == "__main__":
    main()
