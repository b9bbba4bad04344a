/* tests/gen/olist_data.c - the static tables of olist_data.h. Weights are
 * the real data set's counts (rounded) so the generated files have its
 * shape; phrases are written for this generator, not copied reviews. */
#include "olist_data.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The translation file's 71 rows in the real file's order, then the two
 * real product categories that have no translation row. */
const og_category og_categories[] = {
    {"beleza_saude", "health_beauty", 2444},
    {"informatica_acessorios", "computers_accessories", 1639},
    {"automotivo", "auto", 1900},
    {"cama_mesa_banho", "bed_bath_table", 3029},
    {"moveis_decoracao", "furniture_decor", 2657},
    {"esporte_lazer", "sports_leisure", 2867},
    {"perfumaria", "perfumery", 868},
    {"utilidades_domesticas", "housewares", 2335},
    {"telefonia", "telephony", 1134},
    {"relogios_presentes", "watches_gifts", 1329},
    {"alimentos_bebidas", "food_drink", 104},
    {"bebes", "baby", 919},
    {"papelaria", "stationery", 849},
    {"tablets_impressao_imagem", "tablets_printing_image", 9},
    {"brinquedos", "toys", 1411},
    {"telefonia_fixa", "fixed_telephony", 116},
    {"ferramentas_jardim", "garden_tools", 753},
    {"fashion_bolsas_e_acessorios", "fashion_bags_accessories", 849},
    {"eletroportateis", "small_appliances", 231},
    {"consoles_games", "consoles_games", 317},
    {"audio", "audio", 58},
    {"fashion_calcados", "fashion_shoes", 173},
    {"cool_stuff", "cool_stuff", 789},
    {"malas_acessorios", "luggage_accessories", 349},
    {"climatizacao", "air_conditioning", 124},
    {"construcao_ferramentas_construcao", "construction_tools_construction", 400},
    {"moveis_cozinha_area_de_servico_jantar_e_jardim",
     "kitchen_dining_laundry_garden_furniture", 94},
    {"construcao_ferramentas_jardim", "costruction_tools_garden", 88},
    {"fashion_roupa_masculina", "fashion_male_clothing", 95},
    {"pet_shop", "pet_shop", 719},
    {"moveis_escritorio", "office_furniture", 309},
    {"market_place", "market_place", 104},
    {"eletronicos", "electronics", 517},
    {"eletrodomesticos", "home_appliances", 370},
    {"artigos_de_festas", "party_supplies", 26},
    {"casa_conforto", "home_confort", 111},
    {"construcao_ferramentas_ferramentas", "costruction_tools_tools", 39},
    {"agro_industria_e_comercio", "agro_industry_and_commerce", 74},
    {"moveis_colchao_e_estofado", "furniture_mattress_and_upholstery", 10},
    {"livros_tecnicos", "books_technical", 123},
    {"casa_construcao", "home_construction", 225},
    {"instrumentos_musicais", "musical_instruments", 289},
    {"moveis_sala", "furniture_living_room", 156},
    {"construcao_ferramentas_iluminacao", "construction_tools_lights", 78},
    {"industria_comercio_e_negocios", "industry_commerce_and_business", 68},
    {"alimentos", "food", 82},
    {"artes", "art", 55},
    {"moveis_quarto", "furniture_bedroom", 45},
    {"livros_interesse_geral", "books_general_interest", 216},
    {"construcao_ferramentas_seguranca", "construction_tools_safety", 91},
    {"fashion_underwear_e_moda_praia", "fashion_underwear_beach", 53},
    {"fashion_esporte", "fashion_sport", 19},
    {"sinalizacao_e_seguranca", "signaling_and_security", 93},
    {"pcs", "computers", 30},
    {"artigos_de_natal", "christmas_supplies", 128},
    {"fashion_roupa_feminina", "fashio_female_clothing", 48},
    {"eletrodomesticos_2", "home_appliances_2", 90},
    {"livros_importados", "books_imported", 31},
    {"bebidas", "drinks", 81},
    {"cine_foto", "cine_photo", 28},
    {"la_cuisine", "la_cuisine", 10},
    {"musica", "music", 27},
    {"casa_conforto_2", "home_comfort_2", 5},
    {"portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee", 10},
    {"cds_dvds_musicais", "cds_dvds_musicals", 1},
    {"dvds_blu_ray", "dvds_blu_ray", 48},
    {"flores", "flowers", 14},
    {"artes_e_artesanato", "arts_and_craftmanship", 19},
    {"fraldas_higiene", "diapers_and_hygiene", 12},
    {"fashion_roupa_infanto_juvenil", "fashion_childrens_clothes", 5},
    {"seguranca_e_servicos", "security_and_services", 2},
    /* real names with no translation row */
    {"pc_gamer", NULL, 3},
    {"portateis_cozinha_e_preparadores_de_alimentos", NULL, 10},
};
const size_t og_ncategories = N(og_categories);
const size_t og_ntranslated = 71;

static const char *const c_sp[] = {
    "são paulo", "campinas", "guarulhos", "são bernardo do campo",
    "santo andré", "osasco", "ribeirão preto", "sorocaba", "santos",
    "são josé dos campos", "jundiaí", "mogi das cruzes", "piracicaba",
    "bauru", "franca", "santa bárbara d'oeste", "são carlos",
    "taboão da serra", "praia grande", "araçatuba", NULL};
static const char *const c_rj[] = {
    "rio de janeiro", "niterói", "nova iguaçu", "são gonçalo",
    "duque de caxias", "petrópolis", "campos dos goytacazes",
    "volta redonda", "macaé", "cabo frio", NULL};
static const char *const c_mg[] = {
    "belo horizonte", "contagem", "uberlândia", "juiz de fora", "betim",
    "montes claros", "uberaba", "ipatinga", "governador valadares",
    "poços de caldas", "divinópolis", "sete lagoas", NULL};
static const char *const c_rs[] = {
    "porto alegre", "caxias do sul", "pelotas", "canoas", "santa maria",
    "novo hamburgo", "gravataí", "passo fundo", NULL};
static const char *const c_pr[] = {
    "curitiba", "londrina", "maringá", "ponta grossa", "cascavel",
    "são josé dos pinhais", "foz do iguaçu", "colombo", NULL};
static const char *const c_sc[] = {
    "florianópolis", "joinville", "blumenau", "são josé", "criciúma",
    "chapecó", "itajaí", "balneário camboriú", NULL};
static const char *const c_ba[] = {
    "salvador", "feira de santana", "vitória da conquista", "camaçari",
    "itabuna", "juazeiro", "lauro de freitas", "ilhéus", NULL};
static const char *const c_df[] = {
    "brasília", "taguatinga", "ceilândia", "gama", "sobradinho",
    "águas claras", NULL};
static const char *const c_es[] = {
    "vitória", "vila velha", "serra", "cariacica",
    "cachoeiro de itapemirim", "linhares", "guarapari", NULL};
static const char *const c_go[] = {
    "goiânia", "aparecida de goiânia", "anápolis", "rio verde", "luziânia",
    "águas lindas de goiás", NULL};
static const char *const c_pe[] = {
    "recife", "jaboatão dos guararapes", "olinda", "caruaru", "petrolina",
    "paulista", "cabo de santo agostinho", NULL};
static const char *const c_ce[] = {
    "fortaleza", "caucaia", "juazeiro do norte", "maracanaú", "sobral",
    "crato", NULL};
static const char *const c_pa[] = {
    "belém", "ananindeua", "santarém", "marabá", "castanhal",
    "parauapebas", NULL};
static const char *const c_mt[] = {
    "cuiabá", "várzea grande", "rondonópolis", "sinop", "tangará da serra",
    NULL};
static const char *const c_ma[] = {
    "são luís", "imperatriz", "são josé de ribamar", "timon", "caxias",
    NULL};
static const char *const c_ms[] = {
    "campo grande", "dourados", "três lagoas", "corumbá", "ponta porã",
    NULL};
static const char *const c_pb[] = {
    "joão pessoa", "campina grande", "santa rita", "patos", "bayeux", NULL};
static const char *const c_pi[] = {
    "teresina", "parnaíba", "picos", "piripiri", "floriano", NULL};
static const char *const c_rn[] = {
    "natal", "mossoró", "parnamirim", "são gonçalo do amarante", "macaíba",
    NULL};
static const char *const c_al[] = {
    "maceió", "arapiraca", "rio largo", "palmeira dos índios", "penedo",
    NULL};
static const char *const c_se[] = {
    "aracaju", "nossa senhora do socorro", "lagarto", "itabaiana",
    "são cristóvão", NULL};
static const char *const c_to[] = {
    "palmas", "araguaína", "gurupi", "porto nacional",
    "paraíso do tocantins", NULL};
static const char *const c_ro[] = {
    "porto velho", "ji-paraná", "ariquemes", "vilhena", "cacoal", NULL};
static const char *const c_am[] = {
    "manaus", "parintins", "itacoatiara", "manacapuru", "coari", NULL};
static const char *const c_ac[] = {
    "rio branco", "cruzeiro do sul", "sena madureira", "tarauacá", NULL};
static const char *const c_ap[] = {
    "macapá", "santana", "laranjal do jari", "oiapoque", NULL};
static const char *const c_rr[] = {
    "boa vista", "rorainópolis", "caracaraí", "pacaraima", NULL};

/* Ordered by CEP range, so zip prefixes ascend with the table. */
const og_state og_states[] = {
    {"SP", 41746, 1849, 1000, 19999, -2355, -4663, c_sp},
    {"RJ", 12852, 171, 20000, 28999, -2291, -4317, c_rj},
    {"ES", 2033, 23, 29000, 29999, -2032, -4034, c_es},
    {"MG", 11635, 244, 30000, 39999, -1992, -4394, c_mg},
    {"BA", 3380, 19, 40000, 48999, -1297, -3850, c_ba},
    {"SE", 350, 2, 49000, 49999, -1091, -3707, c_se},
    {"PE", 1652, 9, 50000, 56999, -805, -3488, c_pe},
    {"AL", 413, 0, 57000, 57999, -965, -3573, c_al},
    {"PB", 536, 6, 58000, 58999, -712, -3486, c_pb},
    {"RN", 485, 5, 59000, 59999, -579, -3521, c_rn},
    {"CE", 1336, 13, 60000, 63999, -373, -3852, c_ce},
    {"PI", 495, 1, 64000, 64999, -509, -4280, c_pi},
    {"MA", 747, 1, 65000, 65999, -253, -4430, c_ma},
    {"PA", 975, 1, 66000, 68899, -146, -4850, c_pa},
    {"AP", 68, 0, 68900, 68999, 3, -5107, c_ap},
    {"AM", 148, 1, 69000, 69299, -312, -6002, c_am},
    {"RR", 46, 0, 69300, 69399, 282, -6067, c_rr},
    {"AC", 81, 1, 69900, 69999, -997, -6781, c_ac},
    {"DF", 2140, 30, 70000, 72799, -1579, -4788, c_df},
    {"GO", 2020, 40, 74000, 76799, -1668, -4925, c_go},
    {"RO", 253, 2, 76800, 76999, -876, -6390, c_ro},
    {"TO", 280, 0, 77000, 77999, -1018, -4833, c_to},
    {"MT", 907, 4, 78000, 78899, -1560, -5610, c_mt},
    {"MS", 715, 5, 79000, 79999, -2044, -5465, c_ms},
    {"PR", 5045, 349, 80000, 87999, -2543, -4927, c_pr},
    {"SC", 3637, 190, 88000, 89999, -2759, -4855, c_sc},
    {"RS", 5466, 129, 90000, 99999, -3003, -5123, c_rs},
};
const size_t og_nstates = N(og_states);

/* Real order counts per purchase month: a few in late 2016, growth through
 * 2017 (Black Friday in November), a plateau in 2018, a trickle at the end. */
const og_month og_months[] = {
    {2016, 9, 4}, {2016, 10, 324}, {2016, 12, 1},
    {2017, 1, 800}, {2017, 2, 1780}, {2017, 3, 2682}, {2017, 4, 2404},
    {2017, 5, 3700}, {2017, 6, 3245}, {2017, 7, 4026}, {2017, 8, 4331},
    {2017, 9, 4285}, {2017, 10, 4631}, {2017, 11, 7544}, {2017, 12, 5673},
    {2018, 1, 7269}, {2018, 2, 6728}, {2018, 3, 7211}, {2018, 4, 6939},
    {2018, 5, 6873}, {2018, 6, 6167}, {2018, 7, 6292}, {2018, 8, 6512},
    {2018, 9, 16}, {2018, 10, 4},
};
const size_t og_nmonths = N(og_months);

/* Orders per hour of the day (real counts, rounded). */
const uint32_t og_hour_w[24] = {
    2394, 1170, 510, 272, 206, 188, 502, 1231, 2967, 4785, 6177, 6578,
    5995, 6518, 6569, 6454, 6675, 6150, 5769, 5982, 6193, 6217, 5816, 4123};

const char *const og_status_names[OG_NSTATUS] = {
    "delivered", "shipped", "canceled", "unavailable", "invoiced",
    "processing", "created", "approved"};
const og_wv og_status_w[OG_NSTATUS] = {
    {96478, OG_DELIVERED}, {1107, OG_SHIPPED}, {625, OG_CANCELED},
    {609, OG_UNAVAILABLE}, {314, OG_INVOICED}, {301, OG_PROCESSING},
    {5, OG_CREATED}, {2, OG_APPROVED}};

/* Items per order among orders with items. */
const og_wv og_items_w[] = {
    {88863, 1}, {7516, 2}, {1322, 3}, {505, 4}, {204, 5}, {198, 6},
    {22, 7}, {8, 8}, {3, 9}, {8, 10}, {4, 11}, {5, 12}, {1, 13}, {2, 14},
    {2, 15}, {2, 20}, {1, 21}};
const size_t og_nitems_w = N(og_items_w);

/* Payment rows per order. */
const og_wv og_pays_w[] = {
    {96479, 1}, {2382, 2}, {301, 3}, {108, 4}, {52, 5}, {36, 6}, {28, 7},
    {11, 8}, {9, 9}, {5, 10}, {8, 11}, {8, 12}, {3, 13}, {2, 14}, {2, 15},
    {2, 19}, {1, 21}, {1, 22}, {1, 26}, {1, 29}};
const size_t og_npays_w = N(og_pays_w);

/* Credit card installments (0 occurs twice in the real file). */
const og_wv og_inst_w[] = {
    {25455, 1}, {12413, 2}, {10461, 3}, {7098, 4}, {5239, 5}, {3920, 6},
    {1626, 7}, {4268, 8}, {644, 9}, {5328, 10}, {23, 11}, {133, 12},
    {16, 13}, {15, 14}, {74, 15}, {5, 16}, {8, 17}, {27, 18}, {17, 20},
    {3, 21}, {1, 22}, {1, 23}, {18, 24}, {2, 0}};
const size_t og_ninst_w = N(og_inst_w);

#define Q(name, ...)                                                         \
    const og_qpt name[] = {__VA_ARGS__};                                     \
    const size_t name##_n = N(name)
Q(og_q_price, {0, 85}, {.01, 990}, {.05, 1790}, {.10, 2290}, {.25, 3990},
  {.50, 7490}, {.75, 13490}, {.90, 22990}, {.95, 34990}, {.99, 89990},
  {.999, 300000}, {1, 673500});
Q(og_q_freight, {0, 350}, {.01, 520}, {.10, 790}, {.25, 1310}, {.50, 1630},
  {.75, 2120}, {.90, 3000}, {.99, 8500}, {1, 40990});
Q(og_q_desc, {0, 4}, {.05, 150}, {.25, 340}, {.50, 600}, {.75, 980},
  {.95, 2100}, {.99, 3300}, {1, 3992});
Q(og_q_weight, {0, 0}, {.01, 100}, {.10, 150}, {.25, 300}, {.50, 700},
  {.75, 1900}, {.90, 6000}, {.95, 10000}, {.99, 22000}, {1, 40425});
Q(og_q_len, {0, 7}, {.10, 16}, {.25, 18}, {.50, 25}, {.75, 38}, {.95, 65},
  {1, 105});
Q(og_q_height, {0, 2}, {.10, 5}, {.25, 8}, {.50, 13}, {.75, 21}, {.95, 45},
  {1, 105});
Q(og_q_width, {0, 6}, {.10, 11}, {.25, 15}, {.50, 20}, {.75, 30}, {.95, 48},
  {1, 118});
Q(og_q_approve, {0, 10}, {.30, 600}, {.50, 1200}, {.70, 7200},
  {.85, 57600}, {.95, 144000}, {1, 518400});
Q(og_q_est, {0, 3}, {.10, 13}, {.50, 23}, {.90, 33}, {.99, 50}, {1, 60});
Q(og_q_early, {0, 0.05}, {.50, 0.45}, {.90, 0.78}, {1, 1.0});
Q(og_q_late, {0, 0}, {.50, 4}, {.90, 16}, {.99, 60}, {1, 180});
Q(og_q_shiplim, {0, 1}, {.50, 6}, {.95, 10}, {1, 30});

const char *const og_title_good[] = {
    "recomendo", "Recomendo", "Ótimo", "Ótimo produto", "Super recomendo",
    "Excelente", "Muito bom", "Bom", "Nota 10", "Entrega rápida",
    "Produto ótimo", "Adorei", "Perfeito", "Satisfeita", "Top",
    "Chegou antes do prazo", "Maravilhoso", "Boa compra"};
const size_t og_ntitle_good = N(og_title_good);
const char *const og_title_bad[] = {
    "Não recebi", "Péssimo", "Decepcionada", "Ruim", "Produto errado",
    "Atraso na entrega", "Não recomendo", "Incompleto", "Defeito",
    "Insatisfeito"};
const size_t og_ntitle_bad = N(og_title_bad);

/* Some phrases hold commas, double quotes or non-BMP characters on purpose:
 * the real messages do, and the stages must carry them through. */
const char *const og_msg_good[] = {
    "Recebi antes do prazo",
    "Produto de ótima qualidade",
    "recomendo a loja",
    "entrega rápida, produto conforme o anúncio",
    "Chegou bem embalado",
    "Tudo certo com a compra",
    "muito bom, exatamente como na foto",
    "O \"brinde\" veio junto, adorei",
    "Comprarei novamente",
    "Vendedor atencioso",
    "excelente custo benefício",
    "Minha filha amou 😍",
    "Ótimo atendimento, parabéns",
    "produto original e bem acabado",
    "Chegou rápido até no interior",
    "Gostei muito da cor",
    "nota 10 👍",
    "Superou minhas expectativas",
    "Tamanho certo, serviu direitinho",
    "A caixa chegou um pouco amassada, mas o produto está ótimo",
};
const size_t og_nmsg_good = N(og_msg_good);
const char *const og_msg_bad[] = {
    "Não recebi o produto",
    "O produto veio com defeito",
    "comprei dois itens e só recebi um",
    "Péssimo atendimento",
    "O produto não corresponde à descrição",
    "Ainda estou aguardando a entrega",
    "veio errado, pedi azul e veio preto",
    "A entrega atrasou muito",
    "O \"original\" é uma cópia",
    "Não recomendo essa loja",
    "Faltou peça, não consigo montar",
    "Solicitei a devolução e ninguém responde",
    "qualidade ruim, material fino",
    "O código de rastreio não funciona",
};
const size_t og_nmsg_bad = N(og_msg_bad);
